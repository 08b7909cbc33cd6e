// libFuzzer target: arbitrary bytes as a received Ethernet frame.
#include <cstddef>
#include <cstdint>
#include <span>

#include "agent/lldp/lldp_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = bmf::agent::decode_lldp_frame(std::span<const std::uint8_t>(data, size));
  if (r.ok()) {
    // Decoded strings must be bounded by the frame they came from (hex doubles the size).
    if (r->chassis_id.size() > 2 * size || r->port_id.size() > 2 * size) __builtin_trap();
  }
  (void)bmf::agent::decode_lldpdu(std::span<const std::uint8_t>(data, size));
  return 0;
}
