#pragma once
// Planning what to send a switch: only the ports whose running config differs
// from what the coordinator's database wants (drift repair, `bmfctl switch
// sync`), and what to do with ports nobody holds, so no port falls back to VLAN 1.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "netconf/drivers/switch_driver.h"

namespace bmf::netconf {

struct UnusedPortPolicy {
  enum class Action { kShutdown, kPark } action = Action::kPark;
  std::uint16_t parking_vlan = 0;  // kPark: the provisioning/parking VLAN
};

// Desired config for every port the switch has: `assigned` as given, the rest per `policy`.
Result<std::map<std::string, PortConfig>> desired_ports(const std::vector<std::string>& all_ports,
                                                        const std::map<std::string, PortConfig>& assigned,
                                                        const UnusedPortPolicy& policy);

// The change set that turns `actual` into `desired` (ports already right are left out).
ChangeSet drift_repair(const std::map<std::string, PortConfig>& desired,
                       const std::map<std::string, PortConfig>& actual);

}  // namespace bmf::netconf
