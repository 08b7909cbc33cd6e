#include "coordinator/mapping/switch_proto.h"

#include <fmt/core.h>

namespace bmf::coordinator {
namespace {

bool vlan_ok(std::uint32_t v) { return v >= 1 && v <= 4094; }

}  // namespace

proto::Switch to_proto(const SwitchRecord& s) {
  proto::Switch out;
  out.set_name(s.name);
  out.set_address(s.address);
  out.set_port(s.port);
  out.set_username(s.username);
  out.set_password_file(s.password_file);
  out.set_private_key_file(s.private_key_file);
  out.set_known_hosts_file(s.known_hosts_file);
  out.set_trust_on_first_use(s.trust_on_first_use);
  out.set_driver(s.driver);
  out.set_network_instance(s.network_instance);
  out.set_unused_ports(s.unused_ports);
  out.set_parking_vlan(s.parking_vlan);
  out.set_lldp_chassis_id(s.lldp_chassis_id);
  return out;
}

proto::SwitchPort to_proto(const SwitchPortRecord& p) {
  proto::SwitchPort out;
  out.set_switch_name(p.switch_name);
  out.set_port(p.port);
  out.set_mode(p.mode);
  out.set_access_vlan(p.access_vlan);
  out.set_native_vlan(p.native_vlan);
  for (auto v : p.trunk_vlans) out.add_trunk_vlans(v);
  return out;
}

proto::Operation to_proto(const OperationRecord& op) {
  proto::Operation out;
  out.set_id(std::to_string(op.id));
  out.set_kind(op.kind);
  out.set_target(op.target);
  out.set_state(op.state);
  out.set_message(op.message);
  out.set_project(op.project);
  out.set_stage(op.stage);
  out.set_detail(op.detail);
  out.set_actor(op.actor);
  out.set_created_at(format_rfc3339(op.created_at_ms));
  out.set_updated_at(format_rfc3339(op.updated_at_ms));
  return out;
}

Result<SwitchRecord> switch_from_proto(const proto::Switch& s, const std::string& name) {
  SwitchRecord r;
  r.name = name;
  if (name.empty() || name.size() > 64) return invalid_argument("switch name must be 1..64 characters");
  if (s.address().empty()) return invalid_argument("address is required");
  if (s.port() > 65535) return invalid_argument("port must be 1..65535");
  if (s.username().empty()) return invalid_argument("username is required");
  if (s.known_hosts_file().empty()) return invalid_argument("knownHostsFile is required");
  if (s.password_file().empty() == s.private_key_file().empty()) {
    return invalid_argument("give exactly one of passwordFile and privateKeyFile");
  }
  r.address = s.address();
  r.port = static_cast<std::uint16_t>(s.port() ? s.port() : 830);
  r.username = s.username();
  r.password_file = s.password_file();
  r.private_key_file = s.private_key_file();
  r.known_hosts_file = s.known_hosts_file();
  r.trust_on_first_use = s.trust_on_first_use();
  r.driver = s.driver().empty() ? "openconfig" : s.driver();
  if (r.driver != "openconfig") return invalid_argument(fmt::format("unknown driver '{}' (known: openconfig)", r.driver));
  r.network_instance = s.network_instance().empty() ? "default" : s.network_instance();
  r.unused_ports = s.unused_ports().empty() ? "keep" : s.unused_ports();
  if (r.unused_ports != "keep" && r.unused_ports != "park" && r.unused_ports != "shutdown") {
    return invalid_argument("unusedPorts must be keep, park or shutdown");
  }
  if (r.unused_ports == "park" && !vlan_ok(s.parking_vlan())) return invalid_argument("parkingVlan must be 1..4094");
  if (s.parking_vlan() != 0 && !vlan_ok(s.parking_vlan())) return invalid_argument("parkingVlan must be 1..4094");
  r.parking_vlan = static_cast<std::uint16_t>(s.parking_vlan());
  if (s.lldp_chassis_id().size() > 64) return invalid_argument("lldpChassisId is at most 64 characters");
  r.lldp_chassis_id = s.lldp_chassis_id();
  return r;
}

Result<SwitchPortRecord> switch_port_from_proto(const proto::SwitchPort& p, const std::string& switch_name,
                                                const std::string& port_name) {
  SwitchPortRecord r{.switch_name = switch_name, .port = port_name, .mode = p.mode().empty() ? "access" : p.mode()};
  if (port_name.empty() || port_name.size() > 64) return invalid_argument("port name must be 1..64 characters");
  if (r.mode == "access") {
    if (!vlan_ok(p.access_vlan())) return invalid_argument(fmt::format("accessVlan {} is outside 1..4094", p.access_vlan()));
    r.access_vlan = static_cast<std::uint16_t>(p.access_vlan());
  } else if (r.mode == "trunk") {
    if (p.native_vlan() != 0 && !vlan_ok(p.native_vlan())) return invalid_argument("nativeVlan is outside 1..4094");
    if (p.trunk_vlans().empty()) return invalid_argument("a trunk needs trunkVlans");
    r.native_vlan = static_cast<std::uint16_t>(p.native_vlan());
    for (auto v : p.trunk_vlans()) {
      if (!vlan_ok(v)) return invalid_argument(fmt::format("trunk VLAN {} is outside 1..4094", v));
      r.trunk_vlans.push_back(static_cast<std::uint16_t>(v));
    }
  } else if (r.mode != "shutdown") {
    return invalid_argument("mode must be access, trunk or shutdown");
  }
  return r;
}

}  // namespace bmf::coordinator
