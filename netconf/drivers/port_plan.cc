#include "netconf/drivers/port_plan.h"

#include <fmt/core.h>

namespace bmf::netconf {

Result<std::map<std::string, PortConfig>> desired_ports(const std::vector<std::string>& all_ports,
                                                        const std::map<std::string, PortConfig>& assigned,
                                                        const UnusedPortPolicy& policy) {
  if (policy.action == UnusedPortPolicy::Action::kPark && (policy.parking_vlan < 1 || policy.parking_vlan > 4094)) {
    return invalid_argument(fmt::format("parking VLAN {} is outside 1..4094", policy.parking_vlan));
  }
  std::map<std::string, PortConfig> out;
  for (const auto& port : all_ports) {
    auto it = assigned.find(port);
    if (it != assigned.end()) {
      out[port] = it->second;
    } else if (policy.action == UnusedPortPolicy::Action::kShutdown) {
      out[port] = PortConfig{.mode = PortConfig::Mode::kShutdown};
    } else {
      out[port] = PortConfig{.mode = PortConfig::Mode::kAccess, .access_vlan = policy.parking_vlan};
    }
  }
  for (const auto& [port, cfg] : assigned) {
    if (!out.count(port)) return invalid_argument(fmt::format("port {} is not on this switch", port));
  }
  return out;
}

ChangeSet drift_repair(const std::map<std::string, PortConfig>& desired, const std::map<std::string, PortConfig>& actual) {
  ChangeSet c;
  for (const auto& [port, want] : desired) {
    auto it = actual.find(port);
    if (it == actual.end() || !(it->second == want)) c.ports[port] = want;
  }
  return c;
}

}  // namespace bmf::netconf
