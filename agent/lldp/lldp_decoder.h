#pragma once
// LLDP (IEEE 802.1AB) frame decoding: the mandatory chassis ID, port ID and TTL
// TLVs, plus port description and system name. Pure and bounds-checked; it is
// fed raw frames from the wire and fuzzed (agent/lldp/fuzz/).
#include <cstdint>
#include <span>
#include <string>

#include "common/status/status.h"

namespace bmf::agent {

inline constexpr std::uint16_t kEthertypeLldp = 0x88cc;

struct LldpInfo {
  std::string chassis_id;
  std::string chassis_id_subtype;  // "chassis-component", "mac", "network-address", "ifname", "local", ...
  std::string port_id;
  std::string port_id_subtype;     // "ifalias", "mac", "ifname", "local", ...
  std::uint32_t ttl_seconds = 0;
  std::string port_description;
  std::string system_name;
};

// `frame` starts at the Ethernet destination address (802.1Q tags allowed).
Result<LldpInfo> decode_lldp_frame(std::span<const std::uint8_t> frame);
// The LLDPDU alone (after the Ethernet header).
Result<LldpInfo> decode_lldpdu(std::span<const std::uint8_t> pdu);

}  // namespace bmf::agent
