#include "agent/lldp/lldp_decoder.h"

#include <gtest/gtest.h>

#include <vector>

namespace bmf::agent {
namespace {

using Bytes = std::vector<std::uint8_t>;

void tlv(Bytes& out, unsigned type, const Bytes& value) {
  out.push_back(static_cast<std::uint8_t>((type << 1) | (value.size() >> 8)));
  out.push_back(static_cast<std::uint8_t>(value.size() & 0xff));
  out.insert(out.end(), value.begin(), value.end());
}

Bytes str(std::uint8_t subtype, const std::string& s) {
  Bytes b{subtype};
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A frame like lldpd sends: chassis = MAC, port = ifname, TTL 120, descr, name.
Bytes frame(bool vlan_tag = false) {
  Bytes f = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  if (vlan_tag) f.insert(f.end(), {0x81, 0x00, 0x00, 0x64});
  f.insert(f.end(), {0x88, 0xcc});
  tlv(f, 1, {4, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55});
  tlv(f, 2, str(5, "swp12"));
  tlv(f, 3, {0x00, 0x78});
  tlv(f, 4, text("to gpu-node eno1"));
  tlv(f, 5, text("leaf-r12-a"));
  tlv(f, 7, {0x00, 0x14, 0x00, 0x14});  // capabilities: ignored
  tlv(f, 0, {});
  return f;
}

}  // namespace

TEST(DecodeLldpFrame, MandatoryAndNamedTlvs) {
  auto info = decode_lldp_frame(frame());
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->chassis_id, "02:11:22:33:44:55");
  EXPECT_EQ(info->chassis_id_subtype, "mac");
  EXPECT_EQ(info->port_id, "swp12");
  EXPECT_EQ(info->port_id_subtype, "ifname");
  EXPECT_EQ(info->ttl_seconds, 120u);
  EXPECT_EQ(info->port_description, "to gpu-node eno1");
  EXPECT_EQ(info->system_name, "leaf-r12-a");
}

TEST(DecodeLldpFrame, VlanTagged_Decoded) {
  auto info = decode_lldp_frame(frame(true));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->port_id, "swp12");
}

TEST(DecodeLldpFrame, NetworkAddressChassisAndBinaryLocalPort) {
  Bytes f = {0x01, 0x80, 0xc2, 0, 0, 0x0e, 2, 0, 0, 0, 0, 1, 0x88, 0xcc};
  tlv(f, 1, {5, 1, 192, 0, 2, 7});
  tlv(f, 2, {7, 0x00, 0x01, 0xff});
  tlv(f, 3, {0, 5});
  auto info = decode_lldp_frame(f);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->chassis_id, "192.0.2.7");
  EXPECT_EQ(info->port_id, "0001ff");  // unprintable -> hex
  EXPECT_EQ(info->port_id_subtype, "local");
}

TEST(DecodeLldpFrame, MalformedFrames_RejectedNeverCrash) {
  Bytes good = frame();
  // Truncated at every length.
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = decode_lldp_frame(std::span(good).first(n));
    if (n < 14 + 2 + 7 + 2 + 6 + 2 + 2) EXPECT_FALSE(r.ok()) << n;
  }
  Bytes wrong_order = {0x01, 0x80, 0xc2, 0, 0, 0x0e, 2, 0, 0, 0, 0, 1, 0x88, 0xcc};
  tlv(wrong_order, 2, str(5, "p"));
  tlv(wrong_order, 1, str(7, "c"));
  tlv(wrong_order, 3, {0, 1});
  EXPECT_FALSE(decode_lldp_frame(wrong_order).ok());
  Bytes overrun = {0x01, 0x80, 0xc2, 0, 0, 0x0e, 2, 0, 0, 0, 0, 1, 0x88, 0xcc, 0x02, 0xff, 4};
  EXPECT_FALSE(decode_lldp_frame(overrun).ok());
  Bytes not_lldp = good;
  not_lldp[12] = 0x08;
  not_lldp[13] = 0x00;
  EXPECT_FALSE(decode_lldp_frame(not_lldp).ok());
}

}  // namespace bmf::agent
