// libFuzzer target: arbitrary bytes from a switch, through both NETCONF framings
// and the OpenConfig reply parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "netconf/drivers/openconfig_driver.h"
#include "netconf/framing/framing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (auto framing : {bmf::netconf::Framing::kEndOfMessage, bmf::netconf::Framing::kChunked}) {
    bmf::netconf::MessageDecoder d(1 << 20);
    d.set_framing(framing);
    d.feed(bytes);
    for (int i = 0; i < 16; ++i) {
      auto m = d.next();
      if (!m.ok() || !*m) break;
      if ((*m)->size() > size) __builtin_trap();  // a message cannot be longer than its input
    }
  }
  (void)bmf::netconf::parse_openconfig_ports(bytes);
  return 0;
}
