#include "coordinator/networks/network_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/log/log.h"
#include "common/testing/crash_point.h"
#include "common/proto/inventory.pb.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {
namespace {

std::optional<std::uint64_t> as_id(std::string_view text) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v == 0) return std::nullopt;
  return v;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool usable_by(const NetworkRecord& n, const std::string& project) {
  if (n.project == project) return true;
  return n.kind == NetworkRecord::Kind::kExternal &&
         std::find(n.shared_with.begin(), n.shared_with.end(), project) != n.shared_with.end();
}

}  // namespace

NetworkService::NetworkService(Store& store, const Clock& clock, SwitchApplier& applier, NetworkConfig config)
    : store_(store), clock_(clock), applier_(applier), config_(config) {}

bool NetworkService::visible(const Principal& by, const NetworkRecord& n) const {
  if (by.admin()) return true;
  if (!n.project.empty()) return by.member_of(n.project);
  return std::any_of(n.shared_with.begin(), n.shared_with.end(), [&](const std::string& p) { return by.member_of(p); });
}

Result<std::vector<NetworkRecord>> NetworkService::list(const Principal& by) {
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_networks());
  std::vector<NetworkRecord> out;
  for (auto& n : all) {
    if (!visible(by, n)) continue;
    out.push_back(scoped(by, std::move(n)));
  }
  return out;
}

NetworkRecord NetworkService::scoped(const Principal& by, NetworkRecord n) {
  if (!by.admin() && n.kind == NetworkRecord::Kind::kExternal) {
    // A tenant sees which of its own projects may use a site network, never the others.
    std::erase_if(n.shared_with, [&](const std::string& p) { return !by.member_of(p); });
  }
  return n;
}

Result<NetworkRecord> NetworkService::find(const Principal& by, const std::string& ref, const std::string& project) {
  const Status missing = not_found(fmt::format("network {} does not exist", ref));
  if (auto id = as_id(ref)) {
    auto n = store_.get_network(*id);
    if (!n.ok()) return n.status().code() == StatusCode::kNotFound ? missing : n.status();
    if (!visible(by, *n)) return missing;
    return n;
  }
  if (!project.empty() && !by.admin() && !by.member_of(project)) return missing;
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_networks());
  std::vector<NetworkRecord> owned, site;
  for (auto& n : all) {
    if (n.name != ref || !visible(by, n)) continue;
    if (!project.empty()) {
      if (n.project == project) owned.push_back(n);
      else if (n.project.empty() && (by.admin() || usable_by(n, project))) site.push_back(n);
    } else if (!n.project.empty()) {
      owned.push_back(n);
    } else {
      site.push_back(n);
    }
  }
  if (owned.size() > 1) {
    std::vector<std::string> projects;
    for (const auto& n : owned) projects.push_back(n.project);
    return invalid_argument(fmt::format("network name {} exists in several projects ({}); name the project or use the id", ref,
                                        fmt::join(projects, ", ")));
  }
  if (!owned.empty()) return owned.front();
  if (!site.empty()) return site.front();
  return missing;
}

Result<NetworkRecord> NetworkService::create(const Principal& by, const std::string& project, const std::string& name) {
  if (!by.admin() && !by.member_of(project)) return not_found(fmt::format("project {} does not exist", project));
  BMF_RETURN_IF_ERROR(validate_name("network", name));
  NetworkRules rules{.pool_first = config_.pool_first, .pool_last = config_.pool_last};
  BMF_ASSIGN_OR_RETURN(auto switches, store_.list_switches());
  for (const auto& sw : switches) {
    if (sw.parking_vlan) rules.reserved.push_back(sw.parking_vlan);
  }
  NetworkRecord n{.name = name, .project = project, .kind = NetworkRecord::Kind::kTenant, .created_at_ms = clock_.now_ms()};
  BMF_RETURN_IF_ERROR(store_.create_network(n, rules, EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(),
                                                                  .kind = EventKind::kNetworkCreated,
                                                                  .message = fmt::format("{}/{}", project, name)}));
  // The Store picked the VLAN; say which in the journal line too.
  BMF_LOG_INFO("NETWORK_CREATED {}/{} vlan={} by={}", project, name, n.vlan, by.name);
  return n;
}

Result<NetworkRecord> NetworkService::import(const Principal& by, const std::string& name, std::uint16_t vlan,
                                             const std::vector<std::string>& shared_with) {
  BMF_RETURN_IF_ERROR(validate_name("network", name));
  if (vlan < 1 || vlan > 4094) return invalid_argument(fmt::format("VLAN {} is outside 1..4094", vlan));
  if (vlan >= config_.pool_first && vlan <= config_.pool_last) {
    return invalid_argument(fmt::format("VLAN {} is inside the tenant pool {}-{}; an imported network brings a VLAN from outside it",
                                        vlan, config_.pool_first, config_.pool_last));
  }
  NetworkRecord n{.name = name,
                  .vlan = vlan,
                  .kind = NetworkRecord::Kind::kExternal,
                  .created_at_ms = clock_.now_ms(),
                  .shared_with = shared_with};
  BMF_RETURN_IF_ERROR(store_.create_network(
      n, {}, EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kNetworkImported,
                         .message = fmt::format("{} vlan {} shared with {}", name, vlan, fmt::join(shared_with, ","))}));
  return n;
}

Status NetworkService::remove(const Principal& by, const std::string& ref, const std::string& project) {
  BMF_ASSIGN_OR_RETURN(auto n, find(by, ref, project));
  if (!by.admin() && (n.project.empty() || !by.member_of(n.project))) {
    return not_found(fmt::format("network {} does not exist", ref));  // a site network is the admins' to delete
  }
  return store_.delete_network(n.id, EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kNetworkDeleted,
                                                 .message = fmt::format("{} (vlan {} back to the pool)", n.name, n.vlan)});
}

Result<std::string> NetworkService::lease_project(std::uint64_t node_id) {
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  for (const auto& l : leases.leases) {
    if (l.node_id == node_id) return l.project;
  }
  return std::string();
}

Status NetworkService::check_node_visible(const Principal& by, std::uint64_t node_id) {
  const Status missing = not_found(fmt::format("node {} does not exist", node_id));
  if (by.admin()) {
    auto n = store_.get_node(node_id);
    return n.ok() ? ok_status() : n.status();
  }
  BMF_ASSIGN_OR_RETURN(std::string project, lease_project(node_id));
  if (project.empty() || !by.member_of(project)) return missing;
  return ok_status();
}

Result<NetworkService::NicRef> NetworkService::resolve_nic(std::uint64_t node_id, const std::string& nic, const PortLocator* shared) {
  BMF_ASSIGN_OR_RETURN(NodeRecord node, store_.get_node(node_id));
  proto::Inventory inv;
  if (Status s = from_json(node.hardware_json, inv); !s.ok()) return data_loss(fmt::format("node {}: stored inventory unreadable", node_id));
  const proto::Nic* found = nullptr;
  std::vector<std::string> names;
  for (const auto& n : inv.nics()) {
    names.push_back(n.name());
    if (n.name() == nic || (!n.mac().empty() && lower(n.mac()) == lower(nic))) found = &n;
  }
  if (!found) {
    return not_found(fmt::format("node {} has no NIC '{}' (it has: {})", node_id, nic, names.empty() ? "none reported" : fmt::format("{}", fmt::join(names, ", "))));
  }
  std::optional<PortLocator> own;
  if (!shared) {
    BMF_ASSIGN_OR_RETURN(auto made, port_locator());
    own.emplace(std::move(made));
    shared = &*own;
  }
  BMF_ASSIGN_OR_RETURN(NicPort port, shared->locate(node_id, *found));
  return NicRef{.name = port.nic, .switch_name = port.switch_name, .port = port.port};
}

NetworkService::PortLocator::PortLocator(std::vector<NicPortRecord> overrides, std::vector<SwitchRecord> switches)
    : switches_(std::move(switches)) {
  for (auto& o : overrides) overrides_[{o.node_id, o.nic}] = std::move(o);
}

Result<NetworkService::PortLocator> NetworkService::port_locator() {
  BMF_ASSIGN_OR_RETURN(auto overrides, store_.list_nic_ports());
  BMF_ASSIGN_OR_RETURN(auto switches, store_.list_switches());
  return PortLocator(std::move(overrides), std::move(switches));
}

Result<NetworkService::NicPort> NetworkService::PortLocator::locate(std::uint64_t node_id, const proto::Nic& nic) const {
  NicPort ref{.nic = nic.name()};
  if (auto o = overrides_.find({node_id, nic.name()}); o != overrides_.end()) {
    ref.switch_name = o->second.switch_name;
    ref.port = o->second.port;
    return ref;
  }
  const auto& lldp = nic.lldp();
  if (!nic.has_lldp() || (lldp.system_name().empty() && lldp.chassis_id().empty())) {
    return failed_precondition(fmt::format("NIC {} of node {} has no known switch port (no LLDP neighbour heard and no port map); "
                                           "map it with `bmfctl node port-map {} {} SWITCH PORT`",
                                           ref.nic, node_id, node_id, ref.nic));
  }
  for (const auto& sw : switches_) {
    const bool by_chassis = !sw.lldp_chassis_id.empty() && lower(sw.lldp_chassis_id) == lower(lldp.chassis_id());
    if (by_chassis || (!lldp.system_name().empty() && lower(sw.name) == lower(lldp.system_name()))) {
      ref.switch_name = sw.name;
      const bool by_name = lldp.port_id_subtype().empty() || lldp.port_id_subtype() == "ifname" || lldp.port_id_subtype() == "local";
      ref.port = by_name || lldp.port_description().empty() ? lldp.port_id() : lldp.port_description();
      return ref;
    }
  }
  return failed_precondition(fmt::format("NIC {} of node {} hears switch '{}' port '{}' over LLDP, which bmf does not manage; add the "
                                         "switch or map the port with `bmfctl node port-map`",
                                         ref.nic, node_id, lldp.system_name().empty() ? lldp.chassis_id() : lldp.system_name(),
                                         lldp.port_id()));
}

Result<std::vector<NicChange>> NetworkService::plan_attach(const Principal& by, const std::vector<AttachRequest>& requests) {
  BMF_ASSIGN_OR_RETURN(auto attachments, store_.list_attachments());
  BMF_ASSIGN_OR_RETURN(PortLocator locator, port_locator());
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  std::map<std::uint64_t, std::string> held;  // node -> project, read once for the whole batch
  for (const auto& l : leases.leases) held[l.node_id] = l.project;
  std::map<std::pair<std::uint64_t, std::string>, NicChange> nics;
  for (const auto& r : requests) {
    const std::string project = held.count(r.node_id) ? held[r.node_id] : std::string();
    if (project.empty() || (!by.admin() && !by.member_of(project))) {
      BMF_RETURN_IF_ERROR(check_node_visible(by, r.node_id));  // the not-found answer, worded once
    }
    if (project.empty()) return failed_precondition(fmt::format("node {} is not leased to any project", r.node_id));
    if (!r.project.empty() && r.project != project) {
      return failed_precondition(fmt::format("node {} is not leased to project {}", r.node_id, r.project));
    }
    BMF_ASSIGN_OR_RETURN(NicRef ref, resolve_nic(r.node_id, r.nic, &locator));
    auto key = std::make_pair(r.node_id, ref.name);
    auto it = nics.find(key);
    if (it == nics.end()) {
      NicChange c{.node_id = r.node_id, .nic = ref.name, .switch_name = ref.switch_name, .port = ref.port};
      for (const auto& a : attachments) {
        if (a.node_id == r.node_id && a.nic == ref.name) c.after.push_back(a);
      }
      it = nics.emplace(key, std::move(c)).first;
    }
    auto& after = it->second.after;
    auto add = [&](const std::string& network_ref, bool tagged) -> Status {
      BMF_ASSIGN_OR_RETURN(NetworkRecord n, find(by, network_ref, project));
      if (!usable_by(n, project)) return failed_precondition(fmt::format("network {} is not usable by project {}", n.name, project));
      std::erase_if(after, [&](const AttachmentRecord& a) { return a.network_id == n.id; });
      if (!tagged) {
        for (const auto& a : after) {
          if (!a.tagged) {
            return failed_precondition(fmt::format("NIC {} of node {} is already untagged on network {}; detach it first or attach with "
                                                   "--trunk",
                                                   ref.name, r.node_id, a.network_id));
          }
        }
      }
      after.push_back(AttachmentRecord{.node_id = r.node_id, .nic = ref.name, .network_id = n.id, .tagged = tagged, .project = project});
      return ok_status();
    };
    if (!r.native.empty()) {
      if (!r.trunk) return invalid_argument("--native goes with --trunk");
      BMF_RETURN_IF_ERROR(add(r.native, false));
    }
    BMF_RETURN_IF_ERROR(add(r.network, r.trunk));
  }
  std::vector<NicChange> out;
  for (auto& [k, c] : nics) out.push_back(std::move(c));
  return out;
}

Result<std::vector<NicChange>> NetworkService::plan_detach(const DetachRequest& r, bool all_nics) {
  BMF_ASSIGN_OR_RETURN(auto attachments, store_.list_attachments());
  std::map<std::string, NicChange> nics;
  std::vector<std::string> names;
  if (all_nics) {
    for (const auto& a : attachments) {
      if (a.node_id == r.node_id && std::find(names.begin(), names.end(), a.nic) == names.end()) names.push_back(a.nic);
    }
  } else {
    names.push_back(r.nic);
  }
  std::vector<NicChange> out;
  for (const auto& nic : names) {
    BMF_ASSIGN_OR_RETURN(NicRef ref, resolve_nic(r.node_id, nic));
    NicChange c{.node_id = r.node_id, .nic = ref.name, .switch_name = ref.switch_name, .port = ref.port};
    bool removed = false;
    for (const auto& a : attachments) {
      if (a.node_id != r.node_id || a.nic != ref.name) continue;
      if (!all_nics && !r.network.empty() && std::to_string(a.network_id) != r.network) {
        c.after.push_back(a);
      } else {
        removed = true;
      }
    }
    if (!removed && !all_nics) {
      return not_found(r.network.empty() ? fmt::format("NIC {} of node {} is on no network", ref.name, r.node_id)
                                         : fmt::format("NIC {} of node {} is not on network {}", ref.name, r.node_id, r.network));
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<OperationRecord> NetworkService::attach(const Principal& by, const AttachRequest& request) {
  return attach_many(by, {request});
}

Result<OperationRecord> NetworkService::attach_many(const Principal& by, const std::vector<AttachRequest>& requests) {
  if (requests.empty()) return invalid_argument("nothing to attach");
  BMF_ASSIGN_OR_RETURN(std::string project, lease_project(requests.front().node_id));
  OperationRecord op{.kind = "network-attach",
                     .project = project,
                     .target = requests.size() == 1 ? fmt::format("node {} {} -> {}", requests[0].node_id, requests[0].nic, requests[0].network)
                                                    : fmt::format("{} NIC(s)", requests.size()),
                     .actor = by.actor()};
  return start(op, [this, by, requests] { return plan_attach(by, requests); });
}

Result<OperationRecord> NetworkService::detach(const Principal& by, const DetachRequest& request) {
  BMF_RETURN_IF_ERROR(check_node_visible(by, request.node_id));
  BMF_ASSIGN_OR_RETURN(std::string project, lease_project(request.node_id));
  DetachRequest r = request;
  if (!r.network.empty()) {
    BMF_ASSIGN_OR_RETURN(NetworkRecord n, find(by, r.network, project));
    r.network = std::to_string(n.id);
  }
  OperationRecord op{.kind = "network-detach", .project = project,
                     .target = fmt::format("node {} {}{}", r.node_id, r.nic, r.network.empty() ? "" : " from " + request.network),
                     .actor = by.actor()};
  return start(op, [this, r] { return plan_detach(r, false); });
}

Result<std::optional<OperationRecord>> NetworkService::release_node(const std::string& actor, std::uint64_t node_id) {
  return release_nodes(actor, {node_id});
}

Result<std::optional<OperationRecord>> NetworkService::release_nodes(const std::string& actor, const std::vector<std::uint64_t>& nodes) {
  BMF_ASSIGN_OR_RETURN(auto attachments, store_.list_attachments());
  std::string project;
  std::vector<std::uint64_t> attached;
  for (const auto& a : attachments) {
    if (std::find(nodes.begin(), nodes.end(), a.node_id) == nodes.end()) continue;
    project = a.project;
    if (std::find(attached.begin(), attached.end(), a.node_id) == attached.end()) attached.push_back(a.node_id);
  }
  if (attached.empty()) return std::optional<OperationRecord>();
  OperationRecord op{.kind = "network-release", .project = project,
                     .target = attached.size() == 1 ? fmt::format("node {} back to provisioning", attached[0])
                                                    : fmt::format("{} nodes back to provisioning", attached.size()),
                     .actor = actor};
  BMF_ASSIGN_OR_RETURN(auto started, start(op, [this, attached]() -> Result<std::vector<NicChange>> {
    std::vector<NicChange> all;
    for (auto node : attached) {
      BMF_ASSIGN_OR_RETURN(auto some, plan_detach(DetachRequest{.node_id = node}, true));
      all.insert(all.end(), some.begin(), some.end());
    }
    return all;
  }));
  return std::optional<OperationRecord>(std::move(started));
}

Result<NetworkService::NicPort> NetworkService::nic_port(std::uint64_t node_id, const std::string& nic) {
  BMF_ASSIGN_OR_RETURN(NicRef ref, resolve_nic(node_id, nic));
  return NicPort{ref.name, ref.switch_name, ref.port};
}

Status NetworkService::set_port(const Principal& by, std::uint64_t node_id, const std::string& nic, const std::string& switch_name,
                                const std::string& port) {
  if (!switch_name.empty() && port.empty()) return invalid_argument("a port map needs both SWITCH and PORT");
  // The NIC must exist; its name (not a MAC) is what is stored.
  BMF_ASSIGN_OR_RETURN(NodeRecord node, store_.get_node(node_id));
  proto::Inventory inv;
  (void)from_json(node.hardware_json, inv);
  std::string name;
  for (const auto& n : inv.nics()) {
    if (n.name() == nic || (!n.mac().empty() && lower(n.mac()) == lower(nic))) name = n.name();
  }
  if (name.empty()) return not_found(fmt::format("node {} has no NIC '{}'", node_id, nic));
  return store_.set_nic_port(NicPortRecord{.node_id = node_id, .nic = name, .switch_name = switch_name, .port = port},
                             EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kNicPortMapped,
                                         .message = switch_name.empty() ? fmt::format("{}: port map removed (LLDP)", name)
                                                                        : fmt::format("{} -> {} {}", name, switch_name, port)});
}

Result<OperationRecord> NetworkService::operation(const Principal& by, std::uint64_t id) {
  auto op = store_.get_operation(id);
  if (!op.ok()) return op.status();
  if (!by.admin() && (op->project.empty() || !by.member_of(op->project))) {
    return not_found(fmt::format("operation {} does not exist", id));
  }
  return op;
}

Result<std::size_t> NetworkService::recover() {
  std::size_t unfinished = 0;
  // Operations have ids 1..N; the journal is small. Any left unfinished by a previous process never
  // reached the database (it is written last, in one transaction): fail them with the reason.
  for (std::uint64_t id = 1;; ++id) {
    auto op = store_.get_operation(id);
    if (!op.ok()) {
      if (op.status().code() == StatusCode::kNotFound) break;
      return op.status();
    }
    if (op->state == "pending" || op->state == "running") {
      ++unfinished;
      fail(*op, "the coordinator stopped before this operation finished; the switches revert an unconfirmed change by "
                "themselves and `bmfctl switch sync` repairs any drift");
    }
  }
  return unfinished;
}

Result<OperationRecord> NetworkService::start(OperationRecord op, Planner plan) {
  // Checked now so a bad request is a 4xx at once; planned again when its turn comes.
  BMF_RETURN_IF_ERROR(plan().status());
  op.state = "pending";
  op.stage = "queued";
  op.created_at_ms = op.updated_at_ms = clock_.now_ms();
  BMF_RETURN_IF_ERROR(store_.create_operation(op));
  queue_.push_back(Job{op, std::move(plan)});
  pump();
  return store_.get_operation(op.id);
}

void NetworkService::fail(OperationRecord& op, const std::string& message, const std::string& detail) {
  op.state = "failed";
  op.stage = "done";
  op.message = message;
  op.detail = detail;
  op.updated_at_ms = clock_.now_ms();
  if (Status s = store_.update_operation(op); !s.ok()) BMF_LOG_ERROR("OPERATION_WRITE_FAILED {}: {}", op.id, s.to_string());
  (void)store_.append_event(EventRecord{.time_ms = op.updated_at_ms, .actor = "coordinator", .kind = EventKind::kNetworkChangeFailed,
                                        .message = fmt::format("operation {} ({}): {}", op.id, op.target, message),
                                        .project = op.project});
  BMF_LOG_WARN("NETWORK_CHANGE_FAILED op={} {}: {}", op.id, op.target, message);
  notify(op);
}

void NetworkService::pump() {
  while (!busy_ && !queue_.empty()) {
    // 1. Plan queued operations until one touches a NIC or port already in the batch.
    std::vector<Planned> batch;
    std::set<std::pair<std::uint64_t, std::string>> nics_used;
    std::set<std::pair<std::string, std::string>> ports_used;
    const std::size_t limit = solo_ ? 1 : kMaxBatch;
    solo_ = false;
    while (!queue_.empty() && batch.size() < limit) {
      Job& next = queue_.front();
      if (next.op.state != "running") {
        next.op.state = "running";
        next.op.stage = "planning";
        next.op.updated_at_ms = clock_.now_ms();
        (void)store_.update_operation(next.op);
      }
      auto nics = next.plan();
      if (!nics.ok()) {
        Job bad = std::move(queue_.front());
        queue_.pop_front();
        fail(bad.op, nics.status().to_string());
        continue;
      }
      bool overlaps = false;
      for (const auto& c : *nics) {
        overlaps = overlaps || nics_used.count({c.node_id, c.nic}) || (!c.port.empty() && ports_used.count({c.switch_name, c.port}));
      }
      if (overlaps && !batch.empty()) break;  // it waits for this batch: it builds on its result
      for (const auto& c : *nics) {
        nics_used.insert({c.node_id, c.nic});
        if (!c.port.empty()) ports_used.insert({c.switch_name, c.port});
      }
      batch.push_back(Planned{std::move(queue_.front()), std::move(*nics)});
      queue_.pop_front();
    }
    if (batch.empty()) continue;

    // 2. One plan for the whole batch, from the database's rows.
    std::vector<NicChange> all;
    for (const auto& b : batch) all.insert(all.end(), b.nics.begin(), b.nics.end());
    std::map<std::string, SwitchRecord> switches;
    std::map<std::string, std::vector<SwitchPortRecord>> rows;
    std::map<std::uint64_t, NetworkRecord> networks;
    Status loaded = ok_status();
    for (const auto& c : all) {
      if (switches.count(c.switch_name)) continue;
      auto sw = store_.get_switch(c.switch_name);
      auto r = store_.list_switch_ports(c.switch_name);
      if (!sw.ok() || !r.ok()) {
        loaded = !sw.ok() ? sw.status() : r.status();
        break;
      }
      switches[c.switch_name] = *sw;
      rows[c.switch_name] = *r;
    }
    auto all_networks = store_.list_networks();
    if (loaded.ok() && !all_networks.ok()) loaded = all_networks.status();
    Result<PortPlan> plan = loaded;
    if (loaded.ok()) {
      for (const auto& n : *all_networks) networks[n.id] = n;
      plan = plan_ports(all, switches, rows, networks);
    }
    if (!plan.ok()) {
      if (!loaded.ok() || batch.size() == 1) {
        for (auto& b : batch) fail(b.job.op, plan.status().to_string());
        continue;
      }
      // Find whose plan it is, so that one operation's problem is not its neighbours': those
      // that plan on their own go back to the head of the queue, the next round takes one.
      std::vector<Planned> good;
      for (auto& b : batch) {
        auto one = plan_ports(b.nics, switches, rows, networks);
        if (one.ok()) good.push_back(std::move(b));
        else fail(b.job.op, one.status().to_string());
      }
      for (auto it = good.rbegin(); it != good.rend(); ++it) queue_.push_front(std::move(it->job));
      solo_ = true;
      continue;
    }
    if (plan->switches.empty()) {
      for (auto& b : batch) {
        PortPlan part = part_of(*plan, b.nics);  // before b.nics is moved (argument order is unspecified)
        finish(std::move(b.job), std::move(part), std::move(b.nics), ApplyOutcome{.committed = true});
      }
      continue;
    }

    // 3. To the switches once; each operation then commits its own rows.
    busy_ = true;
    const std::string stage = fmt::format("switches: {} port(s) on {} switch(es){}", plan->port_rows.size(), plan->switches.size(),
                                          batch.size() > 1 ? fmt::format(" with {} other operation(s)", batch.size() - 1) : "");
    for (auto& b : batch) {
      b.job.op.stage = stage;
      b.job.op.updated_at_ms = clock_.now_ms();
      (void)store_.update_operation(b.job.op);
    }
    if (batch.size() > 1) BMF_LOG_INFO("NETWORK_BATCH ops={} ports={}", batch.size(), plan->port_rows.size());
    auto work = plan->switches;
    const std::string token = fmt::format("bmf-op-{}", batch.front().job.op.id);
    applier_.apply(std::move(work), token,
                   [this, batch = std::move(batch), plan = std::move(*plan)](ApplyOutcome outcome) mutable {
                     busy_ = false;
                     for (auto& b : batch) {
                       PortPlan part = part_of(plan, b.nics);
                       finish(std::move(b.job), std::move(part), std::move(b.nics), outcome);
                     }
                     pump();
                   });
  }
}

PortPlan NetworkService::part_of(const PortPlan& whole, const std::vector<NicChange>& nics) {
  PortPlan out;
  std::set<std::pair<std::string, std::string>> mine;
  for (const auto& c : nics) mine.insert({c.switch_name, c.port});
  std::set<std::string> switches;
  for (const auto& r : whole.port_rows) {
    if (!mine.count({r.switch_name, r.port})) continue;
    out.port_rows.push_back(r);
    switches.insert(r.switch_name);
  }
  for (const auto& w : whole.switches) {
    if (switches.count(w.sw.name)) out.switches.push_back(w);
  }
  return out;
}

void NetworkService::finish(Job job, PortPlan plan, std::vector<NicChange> nics, ApplyOutcome outcome) {
  OperationRecord& op = job.op;
  const std::string detail = fmt::format("{}", fmt::join(outcome.lines, "\n"));
  if (!outcome.committed) {
    fail(op,
         fmt::format("switch {} failed: {}; nothing was changed (every prepared switch rolled back, the database untouched)",
                     outcome.failed_switch, outcome.failure.to_string()),
         detail);
    return;
  }
  NetworkChange change;
  for (auto& c : nics) {
    change.nics.emplace_back(c.node_id, c.nic);
    change.attachments.insert(change.attachments.end(), c.after.begin(), c.after.end());
  }
  change.ports = plan.port_rows;
  crash_point("network.switches_confirmed");  // the switches have it, the database not yet
  op.state = "succeeded";
  op.stage = "done";
  op.message = fmt::format("{} port(s) on {} switch(es) configured", plan.port_rows.size(), plan.switches.size());
  op.detail = detail;
  op.updated_at_ms = clock_.now_ms();
  Status s = store_.commit_network_change(change, op, EventRecord{.time_ms = op.updated_at_ms, .actor = op.actor,
                                                                  .kind = EventKind::kNetworkChanged,
                                                                  .message = fmt::format("operation {} ({}): {}", op.id, op.target,
                                                                                         op.message)});
  if (!s.ok()) {
    // The switches confirmed but the database did not take it: say so; `switch sync` puts the switches back.
    fail(op, fmt::format("switches confirmed but the database write failed ({}); run `bmfctl switch sync` on {}", s.to_string(),
                         plan.switches.front().sw.name),
         detail);
    return;
  }
  BMF_LOG_INFO("NETWORK_CHANGED op={} {}: {}", op.id, op.target, op.message);
  notify(op);
}

}  // namespace bmf::coordinator
