#pragma once
// The proxy shows each node as /redfish/v1/Systems/{node id} and
// /redfish/v1/Managers/{node id}, whatever its BMC calls them
// (e.g. /redfish/v1/Systems/System.Embedded.1). Bodies from a BMC are rewritten
// so every @odata.id, Members entry, action target and link points back at the
// proxy's URIs; clients call exactly those.
#include <cstdint>
#include <string>
#include <string_view>

namespace bmf::bmcproxy {

struct NodeUris {
  std::uint64_t node_id = 0;
  std::string bmc_system;   // the BMC's ComputerSystem URI
  std::string bmc_manager;  // the BMC's Manager URI
};

std::string proxy_system_uri(std::uint64_t node_id);
std::string proxy_manager_uri(std::uint64_t node_id);

// BMC URI -> proxy URI (unchanged when it is under neither mapped resource).
std::string to_proxy_uri(std::string_view bmc_uri, const NodeUris& uris);
// A BMC JSON body, rewritten. `resource_is_root` sets "Id" to the node id
// (redfishtool finds systems by Id). Links to anything the proxy does not map
// (the BMC's Chassis, its network protocol, logs, accounts) are dropped, so a
// tenant never learns the BMC's own names. Non-JSON bodies come back unchanged.
std::string rewrite_bmc_body(std::string_view body, const NodeUris& uris, bool resource_is_root);

// The Manager resource as a tenant sees it: what identifies it, its state, its
// virtual media and the system it manages; not its shell, clock, network, logs,
// accounts or its own reset (a JSON body already rewritten).
std::string tenant_manager_view(std::string_view rewritten_body);

}  // namespace bmf::bmcproxy
