#include "agent/lldp/lldp_decoder.h"

#include <fmt/core.h>

namespace bmf::agent {
namespace {

std::string mac_string(std::span<const std::uint8_t> b) {
  std::string s;
  for (std::size_t i = 0; i < b.size(); ++i) s += fmt::format("{}{:02x}", i ? ":" : "", b[i]);
  return s;
}

// Printable text as is; anything else as hex, so odd bytes never reach a log raw.
std::string text_or_hex(std::span<const std::uint8_t> b) {
  bool printable = !b.empty();
  for (auto c : b) printable = printable && c >= 0x20 && c < 0x7f;
  if (printable) return std::string(b.begin(), b.end());
  std::string s;
  for (auto c : b) s += fmt::format("{:02x}", c);
  return s;
}

std::string network_address(std::span<const std::uint8_t> b) {
  if (b.size() == 5 && b[0] == 1) return fmt::format("{}.{}.{}.{}", b[1], b[2], b[3], b[4]);
  if (b.size() == 17 && b[0] == 2) {
    std::string s;
    for (int i = 1; i < 17; i += 2) s += fmt::format("{}{:x}", i > 1 ? ":" : "", (b[i] << 8) | b[i + 1]);
    return s;
  }
  return text_or_hex(b);
}

struct Id {
  std::string subtype;
  std::string value;
};

// Chassis ID (TLV 1) and port ID (TLV 2) share the layout: subtype byte + id.
Id decode_id(std::span<const std::uint8_t> v, bool chassis) {
  static constexpr const char* kChassis[] = {"reserved", "chassis-component", "ifalias", "port-component",
                                             "mac", "network-address", "ifname", "local"};
  static constexpr const char* kPort[] = {"reserved", "ifalias", "port-component", "mac",
                                          "network-address", "ifname", "agent-circuit-id", "local"};
  const std::uint8_t sub = v[0];
  auto id = v.subspan(1);
  Id out;
  out.subtype = sub < 8 ? (chassis ? kChassis[sub] : kPort[sub]) : fmt::format("subtype-{}", sub);
  const bool is_mac = (chassis && sub == 4) || (!chassis && sub == 3);
  const bool is_net = (chassis && sub == 5) || (!chassis && sub == 4);
  if (is_mac && id.size() == 6) out.value = mac_string(id);
  else if (is_net) out.value = network_address(id);
  else out.value = text_or_hex(id);
  return out;
}

}  // namespace

Result<LldpInfo> decode_lldpdu(std::span<const std::uint8_t> pdu) {
  LldpInfo info;
  int index = 0;
  bool ended = false;
  while (!pdu.empty()) {
    if (pdu.size() < 2) return invalid_argument("LLDP TLV header truncated");
    const unsigned type = pdu[0] >> 1;
    const std::size_t len = ((pdu[0] & 1u) << 8) | pdu[1];
    if (len > pdu.size() - 2) return invalid_argument(fmt::format("LLDP TLV type {} length {} overruns the frame", type, len));
    auto value = pdu.subspan(2, len);
    pdu = pdu.subspan(2 + len);
    // The first three TLVs must be chassis ID, port ID and TTL, in that order.
    if (index < 3 && type != static_cast<unsigned>(index + 1)) {
      return invalid_argument(fmt::format("LLDP TLV {} is type {}, expected mandatory type {}", index, type, index + 1));
    }
    ++index;
    switch (type) {
      case 0: ended = true; break;
      case 1:
      case 2: {
        if (len < 2 || len > 256) return invalid_argument(fmt::format("LLDP ID TLV type {} has bad length {}", type, len));
        Id id = decode_id(value, type == 1);
        (type == 1 ? info.chassis_id : info.port_id) = id.value;
        (type == 1 ? info.chassis_id_subtype : info.port_id_subtype) = id.subtype;
        break;
      }
      case 3:
        if (len < 2) return invalid_argument("LLDP TTL TLV shorter than 2 bytes");
        info.ttl_seconds = (value[0] << 8) | value[1];
        break;
      case 4: info.port_description = text_or_hex(value); break;
      case 5: info.system_name = text_or_hex(value); break;
      default: break;  // optional TLVs we do not report (capabilities, management address, org-specific)
    }
    if (ended) break;
  }
  if (index < 3) return invalid_argument("LLDPDU lacks the mandatory chassis ID, port ID and TTL TLVs");
  return info;
}

Result<LldpInfo> decode_lldp_frame(std::span<const std::uint8_t> frame) {
  if (frame.size() < 14) return invalid_argument("frame shorter than an Ethernet header");
  std::size_t off = 12;
  std::uint16_t ethertype = (frame[off] << 8) | frame[off + 1];
  while ((ethertype == 0x8100 || ethertype == 0x88a8) && frame.size() >= off + 6) {
    off += 4;
    ethertype = (frame[off] << 8) | frame[off + 1];
  }
  if (ethertype != kEthertypeLldp) return invalid_argument(fmt::format("ethertype {:04x} is not LLDP", ethertype));
  return decode_lldpdu(frame.subspan(off + 2));
}

}  // namespace bmf::agent
