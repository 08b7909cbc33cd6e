#include "coordinator/networks/port_planner.h"

#include <fmt/core.h>

#include <set>

namespace bmf::coordinator {
namespace {

std::set<std::uint16_t> vlans_of(const SwitchPortRecord& row) {
  if (row.mode == "access") return {row.access_vlan};
  if (row.mode == "trunk") {
    std::set<std::uint16_t> out(row.trunk_vlans.begin(), row.trunk_vlans.end());
    if (row.native_vlan) out.insert(row.native_vlan);
    return out;
  }
  return {};
}

}  // namespace

netconf::PortConfig to_port_config(const SwitchPortRecord& p) {
  netconf::PortConfig c;
  if (p.mode == "trunk") {
    c.mode = netconf::PortConfig::Mode::kTrunk;
    c.native_vlan = p.native_vlan;
    c.trunk_vlans = p.trunk_vlans;
  } else if (p.mode == "shutdown") {
    c.mode = netconf::PortConfig::Mode::kShutdown;
  } else {
    c.access_vlan = p.access_vlan;
  }
  return c;
}

Result<SwitchPortRecord> port_row_for(const SwitchRecord& sw, const std::string& port,
                                      const std::vector<AttachmentRecord>& attachments,
                                      const std::map<std::uint64_t, NetworkRecord>& networks) {
  SwitchPortRecord row{.switch_name = sw.name, .port = port};
  std::uint16_t untagged = 0;
  std::vector<std::uint16_t> tagged;
  for (const auto& a : attachments) {
    auto it = networks.find(a.network_id);
    if (it == networks.end()) return not_found(fmt::format("network {} does not exist", a.network_id));
    if (a.tagged) {
      tagged.push_back(it->second.vlan);
    } else if (untagged) {
      return failed_precondition(fmt::format("NIC {} would be untagged on two networks", a.nic));
    } else {
      untagged = it->second.vlan;
    }
  }
  if (!tagged.empty()) {
    std::sort(tagged.begin(), tagged.end());
    row.mode = "trunk";
    row.trunk_vlans = tagged;
    row.native_vlan = untagged;
  } else if (untagged) {
    row.mode = "access";
    row.access_vlan = untagged;
  } else if (sw.parking_vlan) {
    row.mode = "access";
    row.access_vlan = sw.parking_vlan;  // back on the provisioning network
  } else {
    row.mode = "shutdown";
  }
  return row;
}

Result<PortPlan> plan_ports(const std::vector<NicChange>& nics, const std::map<std::string, SwitchRecord>& switches,
                            const std::map<std::string, std::vector<SwitchPortRecord>>& current_rows,
                            const std::map<std::uint64_t, NetworkRecord>& networks) {
  std::set<std::uint16_t> tenant_vlans;
  for (const auto& [id, n] : networks) {
    if (n.kind == NetworkRecord::Kind::kTenant) tenant_vlans.insert(n.vlan);
  }
  // switch -> port -> new row
  std::map<std::string, std::map<std::string, SwitchPortRecord>> changed;
  for (const auto& nic : nics) {
    auto sw = switches.find(nic.switch_name);
    if (sw == switches.end()) return not_found(fmt::format("switch {} does not exist", nic.switch_name));
    BMF_ASSIGN_OR_RETURN(SwitchPortRecord row, port_row_for(sw->second, nic.port, nic.after, networks));
    auto [it, fresh] = changed[nic.switch_name].emplace(nic.port, row);
    if (!fresh && !(to_port_config(it->second) == to_port_config(row))) {
      return failed_precondition(fmt::format("NICs of two nodes map to the same port {} {}", nic.switch_name, nic.port));
    }
  }
  PortPlan plan;
  for (const auto& [name, ports] : changed) {
    const SwitchRecord& sw = switches.at(name);
    std::set<std::uint16_t> before, after;
    std::map<std::string, SwitchPortRecord> rows;
    if (auto cur = current_rows.find(name); cur != current_rows.end()) {
      for (const auto& r : cur->second) rows[r.port] = r;
    }
    for (const auto& [port, r] : rows) {
      auto v = vlans_of(r);
      before.insert(v.begin(), v.end());
    }
    SwitchWork work{.sw = sw};
    std::set<std::uint16_t> ensure;
    for (const auto& [port, row] : ports) {
      auto old = rows.find(port);
      const bool same = old != rows.end() && to_port_config(old->second) == to_port_config(row);
      rows[port] = row;
      plan.port_rows.push_back(row);
      auto v = vlans_of(row);
      ensure.insert(v.begin(), v.end());
      // Sent even when the row is unchanged: the switch may have drifted, and the
      // operation promises the port is where the database says afterwards.
      (void)same;
      work.changes.ports[port] = to_port_config(row);
    }
    for (const auto& [port, r] : rows) {
      auto v = vlans_of(r);
      after.insert(v.begin(), v.end());
    }
    work.changes.ensure_vlans.assign(ensure.begin(), ensure.end());
    for (auto v : before) {
      // Only pool VLANs bmf created; provider VLANs and the parking VLAN stay.
      if (!after.count(v) && tenant_vlans.count(v) && v != sw.parking_vlan) work.changes.remove_vlans.push_back(v);
    }
    if (!work.changes.empty()) plan.switches.push_back(std::move(work));
  }
  return plan;
}

}  // namespace bmf::coordinator
