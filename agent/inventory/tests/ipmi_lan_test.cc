// read_bmc_lan against a BMC that answers Get LAN Configuration Parameters the
// way IPMI v2.0 section 23.2 specifies (no IPMI device exists on the test machine).
#include "agent/inventory/ipmi_lan.h"

#include <gtest/gtest.h>

#include <map>

namespace bmf::agent {
namespace {

class SpecBmc : public IpmiChannel {
 public:
  // LAN channel -> parameter -> data (after the revision byte).
  std::map<int, std::map<int, std::vector<std::uint8_t>>> lan;
  std::vector<std::vector<std::uint8_t>> requests;

  Result<std::vector<std::uint8_t>> call(std::uint8_t netfn, std::uint8_t cmd, std::vector<std::uint8_t> data) override {
    requests.push_back(data);
    if (netfn != 0x0C || cmd != 0x02) return std::vector<std::uint8_t>{0xC1};  // invalid command
    if (data.size() != 4) return std::vector<std::uint8_t>{0xC7};             // request data length invalid
    auto ch = lan.find(data[0] & 0x0f);
    if (ch == lan.end()) return std::vector<std::uint8_t>{0xCC};  // invalid data field: not a LAN channel
    auto param = ch->second.find(data[1]);
    if (param == ch->second.end()) return std::vector<std::uint8_t>{0x80};  // parameter not supported
    std::vector<std::uint8_t> reply = {0x00, 0x11};  // completion code, parameter revision
    reply.insert(reply.end(), param->second.begin(), param->second.end());
    return reply;
  }
};

TEST(IpmiLan, FindsTheLanChannelAndReadsAddressMacAndSource) {
  SpecBmc bmc;
  bmc.lan[2] = {{3, {10, 1, 2, 3}}, {4, {0x02}}, {5, {0x94, 0x6d, 0xae, 0x8f, 0x30, 0xff}}};  // HPE-style channel 2, DHCP
  auto lan = read_bmc_lan(bmc);
  ASSERT_TRUE(lan.ok()) << lan.status().to_string();
  ASSERT_TRUE(lan->has_value());
  EXPECT_EQ((*lan)->channel, 2);
  EXPECT_EQ((*lan)->address, "10.1.2.3");
  EXPECT_EQ((*lan)->mac, "94:6d:ae:8f:30:ff");
  EXPECT_EQ((*lan)->ip_source, "dhcp");
  ASSERT_GE(bmc.requests.size(), 2u);
  EXPECT_EQ(bmc.requests[0], (std::vector<std::uint8_t>{1, 5, 0, 0})) << "channel 1 asked first, for the MAC";
}

TEST(IpmiLan, UnconfiguredAddressIsEmptyButMacKept) {
  SpecBmc bmc;
  bmc.lan[1] = {{3, {0, 0, 0, 0}}, {5, {0, 1, 2, 3, 4, 5}}};  // no IP source parameter
  auto lan = read_bmc_lan(bmc);
  ASSERT_TRUE(lan.ok() && lan->has_value());
  EXPECT_EQ((*lan)->address, "");
  EXPECT_EQ((*lan)->mac, "00:01:02:03:04:05");
  EXPECT_EQ((*lan)->ip_source, "");
}

TEST(IpmiLan, NoLanChannelIsUnknownAndShortRepliesAreErrors) {
  SpecBmc none;
  auto lan = read_bmc_lan(none);
  ASSERT_TRUE(lan.ok());
  EXPECT_FALSE(lan->has_value());
  EXPECT_EQ(none.requests.size(), 11u) << "channels 1..11 tried once each";

  SpecBmc broken;
  broken.lan[1] = {{5, {0xaa, 0xbb}}};  // a MAC of two bytes
  EXPECT_FALSE(read_bmc_lan(broken).ok());
}

TEST(IpmiLan, NoDeviceIsNotFound) {
  auto dev = DevIpmiChannel::open("/nonexistent/ipmi0");
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace bmf::agent
