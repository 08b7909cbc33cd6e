// libFuzzer: everything the proxy parses from JSON a tenant, a BMC or the
// coordinator sends: the write checks, BMC body rewriting, the lease list.
// The first byte picks the parser; each must return a value or an error, never
// crash, and what a check lets through must itself pass the check again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "bmc-proxy/leases/lease_table.h"
#include "bmc-proxy/redfish/request_checks.h"
#include "bmc-proxy/redfish/uri_mapping.h"

using namespace bmf::bmcproxy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Checked (*checks[])(std::string_view) = {check_reset, check_system_patch, check_insert_media, check_eject_media};
  const unsigned pick = data[0] % 6;
  if (pick < 4) {
    Checked out = checks[pick](body);
    if (auto* forwarded = std::get_if<std::string>(&out)) {
      // Idempotent: the forwarded body is itself acceptable.
      if (!std::holds_alternative<std::string>(checks[pick](*forwarded))) __builtin_trap();
    }
  } else if (pick == 4) {
    NodeUris uris{7, "/redfish/v1/Systems/System.Embedded.1", "/redfish/v1/Managers/1"};
    (void)rewrite_bmc_body(body, uris, true);
  } else {
    (void)parse_lease_list(body);
  }
  return 0;
}
