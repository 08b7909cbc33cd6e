#include "coordinator/allocation/allocation_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/log/log.h"
#include "common/testing/crash_point.h"
#include "coordinator/allocation/hardware_class.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

AllocationService::AllocationService(Store& store, const Clock& clock, NetworkService& networks, NodeLifecycle& lifecycle,
                                     CleaningService& cleaning, PowerDriver* power, CommandDispatcher* agents,
                                     AllocationConfig config)
    : store_(store), clock_(clock), networks_(networks), lifecycle_(lifecycle), cleaning_(cleaning), power_(power),
      agents_(agents), config_(config) {
  networks_.on_finished([this](const OperationRecord& op) { network_done(op); });
  if (agents_) agents_->subscribe([this](const AgentEvent& e) { on_agent(e); });
}

void AllocationService::notify(const AllocationRecord& a) {
  for (const auto& hook : changed_) hook(a);
}

const proto::Inventory* AllocationService::inventory_of(const NodeRecord& n) {
  // Parsing every inventory on every request dominated at 1,000 nodes, and reading them did at
  // 19,000: keep the parsed one while the node's hardware_rev is the same. A brief record
  // (hardware_json empty) costs nothing on a hit and one get_node on a miss.
  auto it = inventories_.find(n.id);
  const bool brief = n.hardware_json.empty();
  if (it != inventories_.end() && it->second.first == n.hardware_rev) return &it->second.second;
  std::string json = n.hardware_json;
  std::uint64_t rev = n.hardware_rev;
  if (brief) {
    auto full = store_.get_node(n.id);
    if (!full.ok()) return nullptr;
    json = std::move(full->hardware_json);
    rev = full->hardware_rev;
  }
  proto::Inventory inv;
  if (!from_json(json, inv).ok()) return nullptr;
  auto& slot = inventories_[n.id];
  slot = {rev, std::move(inv)};
  return &slot.second;
}

const std::vector<const proto::Inventory*>& AllocationService::inventories_of(const NodeBriefs& briefs) {
  if (briefs != listed_for_) {
    listed_.clear();
    listed_.reserve(briefs->size());
    for (const NodeRecord& n : *briefs) listed_.push_back(inventory_of(n));
    // A row whose inventory could not be read is tried again with the next list, not cached.
    listed_for_ = std::find(listed_.begin(), listed_.end(), nullptr) == listed_.end() ? briefs : nullptr;
  }
  return listed_;
}

bool AllocationService::hot(const NodeRecord& n) const {
  if (n.state != NodeState::kAvailable) return false;
  if (!power_) return true;  // bmf does not manage power here: every free node is as it is
  return n.power_state == PowerState::kOn && (!agents_ || agents_->connected(n.id));
}

EpochMs AllocationService::boot_eta_ms(const std::string& hardware_class) {
  auto pools = store_.list_hotpool();
  if (pools.ok()) {
    for (const auto& p : *pools) {
      if (p.hardware_class == hardware_class && p.boot_ms > 0) return p.boot_ms;
    }
  }
  return config_.boot_eta_ms;
}

Status AllocationService::save_class(const Principal& by, HardwareClass hc) {
  BMF_RETURN_IF_ERROR(validate_class(hc));
  hc.created_at_ms = clock_.now_ms();
  return store_.save_class(hc, EventRecord{.time_ms = hc.created_at_ms, .actor = by.actor(), .kind = EventKind::kClassSaved,
                                           .message = fmt::format("{}: gpus>={} model '{}' rdma={} memory>={}GiB cpus>={}", hc.name,
                                                                  hc.min_gpus, hc.gpu_model, hc.rdma, hc.min_memory_gib, hc.min_cpus)});
}

Status AllocationService::remove_class(const Principal& by, const std::string& name) {
  return store_.delete_class(name, EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kClassRemoved, .message = name});
}

Result<std::vector<std::uint64_t>> AllocationService::candidates(const std::string& class_name, std::string& shortage) {
  BMF_ASSIGN_OR_RETURN(auto classes, store_.list_classes());
  const HardwareClass* hc = nullptr;
  for (const auto& c : classes) {
    if (c.name == class_name) hc = &c;
  }
  if (!class_name.empty() && !hc) return not_found(fmt::format("class {} does not exist", class_name));
  BMF_ASSIGN_OR_RETURN(NodeBriefs briefs, store_.list_nodes_brief());
  const std::vector<NodeRecord>& nodes = *briefs;
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  BMF_ASSIGN_OR_RETURN(auto locator, networks_.port_locator());
  std::set<std::uint64_t> leased;
  for (const auto& l : leases.leases) leased.insert(l.node_id);
  // Free nodes of the class, hot then warm, grouped by the leaf switch their first cabled NIC is on,
  // then by rail group: the switches their other cabled NICs (the GPU rails) reach.
  std::map<std::string, std::map<std::string, std::vector<std::uint64_t>>> by_leaf[2];
  std::size_t free = 0, of_class = 0, hot_free = 0;
  for (const auto& n : nodes) {
    const proto::Inventory* parsed = inventory_of(n);
    if (!parsed) continue;
    const proto::Inventory& inv = *parsed;
    if (hc && !matches(*hc, inv)) continue;
    ++of_class;
    if (n.state != NodeState::kAvailable || leased.count(n.id) || (busy_ && busy_(n.id))) continue;
    ++free;
    const bool is_hot = hot(n);
    hot_free += is_hot;
    std::string leaf;
    std::set<std::string> rails;
    for (const auto& nic : inv.nics()) {
      auto port = locator.locate(n.id, nic);
      if (!port.ok()) continue;
      if (leaf.empty()) leaf = port->switch_name;
      else rails.insert(port->switch_name);
    }
    by_leaf[is_hot ? 0 : 1][leaf][fmt::format("{}", fmt::join(rails, ","))].push_back(n.id);
  }
  std::vector<std::uint64_t> out;
  auto size_of = [](const std::map<std::string, std::vector<std::uint64_t>>& groups) {
    std::size_t n = 0;
    for (const auto& [g, ids] : groups) n += ids.size();
    return n;
  };
  for (const auto& tier : by_leaf) {
    std::vector<std::pair<std::string, std::map<std::string, std::vector<std::uint64_t>>>> leaves(tier.begin(), tier.end());
    std::stable_sort(leaves.begin(), leaves.end(), [&](const auto& a, const auto& b) { return size_of(a.second) > size_of(b.second); });
    for (const auto& [leaf, groups] : leaves) {
      std::vector<std::pair<std::string, std::vector<std::uint64_t>>> rail_groups(groups.begin(), groups.end());
      std::stable_sort(rail_groups.begin(), rail_groups.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
      for (const auto& [rails, ids] : rail_groups) out.insert(out.end(), ids.begin(), ids.end());
    }
  }
  shortage = fmt::format("{}{} node(s) free ({} hot, {} warm; {} in the class, the rest leased, in maintenance, unreachable or "
                         "not yet available)",
                         class_name.empty() ? "" : "class " + class_name + ": ", free, hot_free, free - hot_free, of_class);
  return out;
}

void AllocationService::stage(AllocationRecord& a, const std::string& name, const std::string& detail, const std::string& state,
                              std::optional<EventRecord> event) {
  a.stage = name;
  if (!state.empty()) a.state = state;
  a.updated_at_ms = clock_.now_ms();
  AllocationStage s{.stage = name, .at_ms = a.updated_at_ms, .detail = detail};
  if (Status st = store_.update_allocation(a, s, std::move(event)); !st.ok()) {
    BMF_LOG_ERROR("ALLOCATION_WRITE_FAILED {}: {}", a.id, st.to_string());
  }
  a.stages.push_back(s);
  BMF_LOG_INFO("ALLOCATION_STAGE {} {} {}", a.id, name, detail);
  notify(a);
}

Result<AllocationRecord> AllocationService::request(const Principal& by, const AllocationRequest& asked) {
  const EpochMs t0 = clock_.now_ms();
  AllocationRequest r = asked;
  if (!by.admin() && !by.member_of(r.project)) return not_found(fmt::format("project {} does not exist", r.project));
  if (r.count < 1 || r.count > 10'000) return invalid_argument(fmt::format("count must be 1..10000, got {}", r.count));
  if (r.duration_s < 0 || r.duration_s > 10LL * 365 * 86400) {
    return invalid_argument("duration must be between 0 (held until released) and 10 years");
  }
  if (r.handover != "none" && !handovers_.count(r.handover)) {
    std::vector<std::string> names{"none"};
    for (const auto& [name, h] : handovers_) names.push_back(name);
    return Status(StatusCode::kUnimplemented, fmt::format("handover '{}' is not available on this coordinator (it has: {})",
                                                          r.handover, fmt::join(names, ", ")));
  }
  if (!r.handover_names.empty() && (r.handover == "none" || r.handover_names.size() != r.count)) {
    return invalid_argument(fmt::format("handover names need a handover and one name per node ({} names for {} nodes)",
                                        r.handover_names.size(), r.count));
  }
  if (r.handover != "none" && handovers_[r.handover].prepare) BMF_RETURN_IF_ERROR(handovers_[r.handover].prepare(by, r));
  if (!r.network.empty()) BMF_RETURN_IF_ERROR(networks_.find(by, r.network, r.project).status());
  std::string shortage;
  BMF_ASSIGN_OR_RETURN(auto picks, candidates(r.hardware_class, shortage));
  if (picks.size() < r.count) {
    return failed_precondition(fmt::format("not enough nodes: {} asked, {}", r.count, shortage));
  }
  AllocationRecord a{.project = r.project, .owner = by.name, .hardware_class = r.hardware_class, .count = r.count,
                     .network = r.network, .handover = r.handover, .state = "running", .stage = "reserved",
                     .created_at_ms = t0, .updated_at_ms = clock_.now_ms(),
                     .ends_at_ms = r.duration_s > 0 ? t0 + r.duration_s * 1000 : 0, .handover_names = r.handover_names,
                     .handover_target = r.handover_target};
  std::vector<AllocationStage> first{{.stage = "requested", .at_ms = t0,
                                      .detail = fmt::format("{} x {}", r.count, r.hardware_class.empty() ? "any" : r.hardware_class)}};
  first.push_back({.stage = "reserved", .at_ms = a.updated_at_ms, .detail = ""});
  BMF_RETURN_IF_ERROR(store_.reserve_allocation(a, picks, first,
                                                EventRecord{.time_ms = a.updated_at_ms, .actor = by.actor(), .kind = EventKind::kAllocationReserved,
                                                            .message = fmt::format("{} node(s) for {}", r.count, r.project)}));
  a.stages = first;
  a.stages.back().detail = fmt::format("nodes {}", fmt::join(a.nodes, ","));
  BMF_LOG_INFO("ALLOCATION_STAGE {} reserved nodes {}", a.id, fmt::join(a.nodes, ","));
  for (auto n : a.nodes) lifecycle_.notify(n, NodeState::kAvailable, NodeState::kAllocated);
  if (lease_changed_) lease_changed_();
  notify(a);
  crash_point("allocation.reserved");

  std::vector<std::uint64_t> warm;
  for (auto n : a.nodes) {
    auto node = store_.get_node(n);
    if (node.ok() && power_ && !(node->power_state == PowerState::kOn && (!agents_ || agents_->connected(n)))) warm.push_back(n);
  }
  if (!warm.empty()) {
    power_on(a, warm);
  } else {
    assign(a.id);
  }
  return store_.get_allocation(a.id);
}

void AllocationService::power_on(AllocationRecord& a, const std::vector<std::uint64_t>& warm) {
  const EpochMs eta = boot_eta_ms(a.hardware_class);
  Flight& f = flights_[a.id];
  f.deadline_ms = clock_.now_ms() + config_.boot_timeout_ms;
  for (auto n : warm) f.booting[n] = clock_.now_ms();
  stage(a, "powering_on",
        fmt::format("node(s) {} were powered off (warm): network boot into discovery, ETA {:.1f} s", fmt::join(warm, ","),
                    static_cast<double>(eta) / 1000));
  const std::uint64_t id = a.id;
  for (auto n : warm) {
    power_->run(n, PowerAction::kPxeCycle, [this, id, n, alive = alive_](PowerOutcome out) {
      if (!*alive) return;
      if (!out.status.ok()) return node_not_up(id, n, "power-on failed: " + out.status.message());
      (void)store_.set_power_state(n, PowerState::kOn, clock_.now_ms(), std::nullopt);
    });
  }
}

void AllocationService::on_agent(const AgentEvent& e) {
  if (e.kind != AgentEvent::Kind::kRegistered) return;
  for (auto& [id, f] : flights_) {
    if (f.booting.count(e.node_id)) return node_up(id, e.node_id);
  }
}

void AllocationService::node_up(std::uint64_t id, std::uint64_t node) {
  auto fit = flights_.find(id);
  if (fit == flights_.end()) return;
  const EpochMs took = clock_.now_ms() - fit->second.booting[node];
  fit->second.booting.erase(node);
  auto a = store_.get_allocation(id);
  if (!a.ok()) return;
  // The class's boot time, as a moving average: the next ETA.
  HotpoolRecord pool{.hardware_class = a->hardware_class};
  if (auto pools = store_.list_hotpool(); pools.ok()) {
    for (const auto& p : *pools) {
      if (p.hardware_class == a->hardware_class) pool = p;
    }
  }
  pool.boot_ms = pool.boot_ms ? (pool.boot_ms * 3 + took) / 4 : took;
  (void)store_.save_hotpool(pool, std::nullopt);
  BMF_LOG_INFO("ALLOCATION_NODE_UP allocation={} node={} boot={}ms", id, node, took);
  if (!fit->second.booting.empty()) return;
  flights_.erase(fit);
  stage(*a, "powered_on", fmt::format("agents up from discovery; the last after {:.1f} s", static_cast<double>(took) / 1000));
  assign(id);
}

void AllocationService::node_not_up(std::uint64_t id, std::uint64_t node, const std::string& why) {
  auto fit = flights_.find(id);
  if (fit == flights_.end() || !fit->second.booting.count(node)) return;
  fit->second.booting.erase(node);
  auto a = store_.get_allocation(id);
  if (!a.ok()) return;
  // The node leaves the allocation for maintenance...
  auto leases = store_.list_leases(true);
  for (const auto& l : leases.ok() ? leases->leases : std::vector<LeaseRecord>{}) {
    if (l.node_id != node || l.allocation_id != id) continue;
    (void)store_.end_lease(l.id, clock_.now_ms(), {.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = EventKind::kLeaseEnded,
                                                   .message = fmt::format("node {} did not come up: {}", node, why)});
  }
  (void)lifecycle_.transition(node, NodeState::kMaintenance, fmt::format("did not come up for allocation {}: {}", id, why),
                              "coordinator");
  if (lease_changed_) lease_changed_();
  // ...and another free node of the class takes its place.
  std::string shortage;
  auto picks = candidates(a->hardware_class, shortage);
  Result<std::vector<std::uint64_t>> taken =
      picks.ok() ? store_.add_allocation_nodes(*a, *picks, 1,
                                               EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = EventKind::kAllocationNodeReplaced,
                                                           .message = fmt::format("allocation {}: node {} did not come up", id, node)})
                 : Result<std::vector<std::uint64_t>>(picks.status());
  if (!taken.ok()) {
    flights_.erase(id);
    return fail(*a, "powering_on", fmt::format("node {} did not come up ({}) and no free node replaces it: {}", node, why,
                                              taken.status().message()));
  }
  const std::uint64_t spare = taken->front();
  lifecycle_.notify(spare, NodeState::kAvailable, NodeState::kAllocated);
  if (lease_changed_) lease_changed_();
  stage(*a, "replaced", fmt::format("node {} to maintenance ({}); node {} replaces it", node, why, spare));
  auto n = store_.get_node(spare);
  if (n.ok() && power_ && !(n->power_state == PowerState::kOn && (!agents_ || agents_->connected(spare)))) {
    auto again = store_.get_allocation(id);
    if (again.ok()) power_on(*again, {spare});
    return;
  }
  if (fit->second.booting.empty()) {
    flights_.erase(fit);
    assign(id);
  }
}

void AllocationService::tick() {
  const EpochMs now = clock_.now_ms();
  std::vector<std::pair<std::uint64_t, std::uint64_t>> late;
  for (const auto& [id, f] : flights_) {
    for (const auto& [node, since] : f.booting) {
      if (now - since > config_.boot_timeout_ms) late.push_back({id, node});
    }
  }
  for (auto [id, node] : late) {
    node_not_up(id, node, fmt::format("no agent registered within {} s of power-on", config_.boot_timeout_ms / 1000));
  }
}

void AllocationService::assign(std::uint64_t id) {
  auto got = store_.get_allocation(id);
  if (!got.ok()) return;
  AllocationRecord a = std::move(got).value();
  std::vector<std::uint64_t> nodes;
  auto leases = store_.list_leases(true);
  for (const auto& l : leases.ok() ? leases->leases : std::vector<LeaseRecord>{}) {
    if (l.allocation_id == id) nodes.push_back(l.node_id);
  }
  if (a.network.empty()) {
    stage(a, "assigned", "no network asked for");
    return hand_over(a);
  }
  // Each node's first cabled NIC onto the network, all in one operation.
  std::vector<AttachRequest> attach;
  auto locator = networks_.port_locator();
  if (!locator.ok()) return fail(a, "assigned", locator.status().message());
  for (auto node : nodes) {
    auto n = store_.get_node(node);
    proto::Inventory inv;
    if (n.ok()) (void)from_json(n->hardware_json, inv);
    for (const auto& nic : inv.nics()) {
      if (locator->locate(node, nic).ok()) {
        attach.push_back({.node_id = node, .nic = nic.name(), .network = a.network, .project = a.project});
        break;
      }
    }
  }
  if (attach.size() != nodes.size()) {
    std::vector<std::uint64_t> missing;
    for (auto node : nodes) {
      if (std::none_of(attach.begin(), attach.end(), [&](const AttachRequest& r) { return r.node_id == node; })) missing.push_back(node);
    }
    return fail(a, "assigned", fmt::format("node(s) {} have no NIC with a known switch port", fmt::join(missing, ",")));
  }
  const Principal owner{.name = a.owner, .role = UserRole::kAdmin};
  auto op = networks_.attach_many(owner, attach);
  if (!op.ok()) return fail(a, "assigned", op.status().message());
  a.operation_id = op->id;
  crash_point("allocation.network_queued");
  stage(a, "assigning", fmt::format("network operation {}: {} port(s)", op->id, attach.size()));
  waiting_[op->id] = a.id;
  if (op->state == "succeeded" || op->state == "failed") network_done(*op);  // finished before we listened
}

void AllocationService::network_done(const OperationRecord& op) {
  auto it = waiting_.find(op.id);
  if (it == waiting_.end()) return;
  const std::uint64_t id = it->second;
  waiting_.erase(it);
  auto a = store_.get_allocation(id);
  if (!a.ok()) return;
  if (op.state != "succeeded") return fail(*a, "assigned", op.message);
  stage(*a, "assigned", fmt::format("network {}: {}", a->network, op.message));
  crash_point("allocation.assigned");
  hand_over(*a);
}

void AllocationService::hand_over(AllocationRecord& a) {
  if (a.handover == "none") return ready(a);
  auto it = handovers_.find(a.handover);
  if (it == handovers_.end()) return fail(a, "handing_over", fmt::format("handover '{}' is not available", a.handover));
  stage(a, "handing_over", a.handover);
  const std::uint64_t id = a.id;
  it->second.join(a, [this, id, alive = alive_](Status st) {
    if (!*alive) return;
    auto again = store_.get_allocation(id);
    if (!again.ok() || again->state != "running") return;
    if (!st.ok()) return fail(*again, "handing_over", st.message());
    ready(*again);
  });
}

void AllocationService::ready(AllocationRecord& a) {
  auto leases = store_.list_leases(true);
  for (const auto& l : leases.ok() ? leases->leases : std::vector<LeaseRecord>{}) {
    if (l.allocation_id != a.id) continue;
    if (Status s = lifecycle_.transition(l.node_id, NodeState::kActive, fmt::format("allocation {} ready", a.id), "coordinator",
                                         NodeState::kAllocated);
        !s.ok()) {
      BMF_LOG_WARN("ALLOCATION_NODE_NOT_ACTIVE allocation={} node={}: {}", a.id, l.node_id, s.to_string());
    }
  }
  stage(a, "ready", "", "ready", EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = EventKind::kAllocationReady,
                                             .message = fmt::format("allocation {}: {} node(s)", a.id, a.count)});
}

void AllocationService::fail(AllocationRecord& a, const std::string& step, const std::string& why) {
  // Roll back what was done: the leases end; their nodes are cleaned like any released node
  // (ports back to provisioning first), since their BMCs were the tenant's meanwhile.
  flights_.erase(a.id);
  std::vector<std::uint64_t> ended;
  auto leases = store_.list_leases(true);
  if (leases.ok()) {
    for (const auto& l : leases->leases) {
      if (l.allocation_id != a.id) continue;
      if (store_.end_lease(l.id, clock_.now_ms(), {.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = EventKind::kLeaseEnded,
                                                    .message = fmt::format("allocation {} failed", a.id)}).ok()) {
        ended.push_back(l.node_id);
      }
    }
  }
  if (lease_changed_) lease_changed_();
  a.message = fmt::format("step '{}' failed: {}; rolled back: {}", step, why,
                          ended.empty() ? "nothing to undo"
                                        : fmt::format("leases of nodes {} ended, the nodes are being cleaned", fmt::join(ended, ",")));
  stage(a, "failed", a.message, "failed",
        EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = EventKind::kAllocationFailed,
                    .message = fmt::format("allocation {}: {}", a.id, a.message)});
  if (ended.empty()) return;
  if (step != "handing_over") return cleaning_.release(ended, "coordinator");
  leave_then(a, ended, [this, ended] { cleaning_.release(ended, "coordinator"); });
}

void AllocationService::leave_then(const AllocationRecord& a, const std::vector<std::uint64_t>& nodes, std::function<void()> then) {
  auto it = handovers_.find(a.handover);
  if (a.handover == "none" || it == handovers_.end() || !it->second.leave || nodes.empty()) return then();
  const std::uint64_t id = a.id;
  const std::string handover = a.handover;
  leaving_.insert(nodes.begin(), nodes.end());
  it->second.leave(a, nodes, [this, id, handover, nodes, then = std::move(then), alive = alive_](Status st) {
    if (!*alive) return;
    for (auto n : nodes) leaving_.erase(n);
    if (!st.ok()) BMF_LOG_WARN("HANDOVER_LEAVE_FAILED allocation={} handover={}: {}", id, handover, st.to_string());
    auto again = store_.get_allocation(id);
    if (again.ok() && again->state == "releasing") {
      stage(*again, "left", st.ok() ? fmt::format("out of {}", handover) : fmt::format("{} leave failed: {}", handover, st.message()));
    }
    then();
  });
}

Result<AllocationRecord> AllocationService::release(const Principal& by, std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(AllocationRecord a, get(by, id));
  if (a.state == "released" || a.state == "failed" || a.state == "releasing") {
    return failed_precondition(fmt::format("allocation {} is already {}", id, a.state));
  }
  flights_.erase(a.id);
  std::vector<std::uint64_t> ended;
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  for (const auto& l : leases.leases) {
    if (l.allocation_id != a.id) continue;
    BMF_RETURN_IF_ERROR(store_.end_lease(l.id, clock_.now_ms(), {.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kLeaseEnded,
                                                                  .message = fmt::format("allocation {} released", a.id)})
                            .status());
    ended.push_back(l.node_id);
  }
  if (lease_changed_) lease_changed_();
  stage(a, "releasing", fmt::format("leases of nodes {} ended", fmt::join(ended, ",")), "releasing");
  crash_point("release.leases_ended");
  if (a.handover != "none") stage(a, "leaving", fmt::format("{}: nodes {}", a.handover, fmt::join(ended, ",")));
  const std::string actor = by.actor();
  leave_then(a, ended, [this, id = a.id, ended, actor] {
    auto again = store_.get_allocation(id);
    if (again.ok()) track_release(*again, ended, actor);
  });
  return store_.get_allocation(a.id);
}

// The release's stages, from its nodes' cleaning steps: ports_released when every node's
// ports are back, cleaning when every node was power-cycled, released when all are through.
void AllocationService::track_release(AllocationRecord a, const std::vector<std::uint64_t>& nodes, const std::string& actor) {
  struct Tracker {
    std::set<std::uint64_t> ports, power, pending;
    std::vector<std::string> outcomes;
    std::string ports_detail;
  };
  auto t = std::make_shared<Tracker>();
  t->ports = t->power = t->pending = std::set<std::uint64_t>(nodes.begin(), nodes.end());
  const std::uint64_t id = a.id;
  auto finish = [this, id, t] {
    auto again = store_.get_allocation(id);
    if (!again.ok()) return;
    stage(*again, "released", t->outcomes.empty() ? std::string("no nodes") : fmt::format("{}", fmt::join(t->outcomes, "; ")),
          "released",
          EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = EventKind::kAllocationReleased,
                      .message = fmt::format("allocation {}: {}", id, fmt::join(t->outcomes, "; "))});
  };
  if (nodes.empty()) return finish();
  cleaning_.release(nodes, actor, [this, id, t, finish, alive = alive_](const CleaningProgress& p) {
    if (!*alive) return;
    auto again = store_.get_allocation(id);
    if (!again.ok()) return;
    if (p.step == "ports" && t->ports.erase(p.node)) {
      if (t->ports_detail.empty()) t->ports_detail = p.detail;
      if (t->ports.empty()) stage(*again, "ports_released", fmt::format("back on the provisioning network: {}", t->ports_detail));
    }
    if (p.step == "power" && t->power.erase(p.node) && t->power.empty()) {
      stage(*again, "cleaning", p.detail);
    }
    if ((p.step == "available" || p.step == "maintenance") && t->pending.erase(p.node)) {
      t->ports.erase(p.node);
      t->power.erase(p.node);
      t->outcomes.push_back(p.step == "available" ? fmt::format("node {} available", p.node)
                                                  : fmt::format("node {} to maintenance: {}", p.node, p.detail));
      if (t->pending.empty()) finish();
    }
  });
}

Status AllocationService::recover() {
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_allocations());
  for (auto& a : all) {
    if (a.state == "running") {
      BMF_LOG_WARN("ALLOCATION_RECOVERED allocation={} stage={}: rolled back", a.id, a.stage);
      fail(a, a.stage, "the coordinator stopped during this step");
    } else if (a.state == "releasing") {
      std::vector<std::uint64_t> cleaning;
      for (auto n : a.nodes) {
        auto node = store_.get_node(n);
        if (node.ok() && (node->state == NodeState::kReleasing || node->state == NodeState::kCleaning)) cleaning.push_back(n);
      }
      BMF_LOG_INFO("ALLOCATION_RELEASE_RESUMED allocation={} nodes={}", a.id, fmt::join(cleaning, ","));
      track_release(a, cleaning, "coordinator");
    }
  }
  return ok_status();
}

Result<LeaseRecord> AllocationService::release_node(const Principal& by, std::uint64_t node_id) {
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  const LeaseRecord* lease = nullptr;
  for (const auto& l : leases.leases) {
    if (l.node_id == node_id) lease = &l;
  }
  if (!lease || (!by.admin() && !by.member_of(lease->project))) return not_found(fmt::format("node {} does not exist", node_id));
  const std::uint64_t allocation = lease->allocation_id;
  BMF_ASSIGN_OR_RETURN(LeaseRecord ended, end_lease(by, lease->id));
  if (allocation == 0) return ended;
  auto a = store_.get_allocation(allocation);
  if (!a.ok()) return ended;
  BMF_ASSIGN_OR_RETURN(auto still, store_.list_leases(true));
  const bool last = std::none_of(still.leases.begin(), still.leases.end(), [&](const LeaseRecord& l) { return l.allocation_id == allocation; });
  if (last && (a->state == "ready" || a->state == "running")) {
    flights_.erase(allocation);
    stage(*a, "released", fmt::format("node {} released by {}: it was the last one", node_id, by.name), "released",
          EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = EventKind::kAllocationReleased,
                      .message = fmt::format("allocation {}: its last node {} released", allocation, node_id)});
  } else {
    stage(*a, "node_released", fmt::format("node {} released by {} (being cleaned)", node_id, by.name));
  }
  return ended;
}

Result<LeaseRecord> AllocationService::end_lease(const Principal& by, std::uint64_t lease_id) {
  const EpochMs now = clock_.now_ms();
  BMF_ASSIGN_OR_RETURN(LeaseRecord ended, store_.end_lease(lease_id, now, {.time_ms = now, .actor = by.actor(), .kind = EventKind::kLeaseEnded,
                                                                          .message = fmt::format("lease {}", lease_id)}));
  if (lease_changed_) lease_changed_();
  // Out of its handover (an allocation's node), then ports back to provisioning and cleaned like any released node.
  auto clean = [this, node = ended.node_id, actor = by.actor()] { cleaning_.release({node}, actor); };
  auto a = store_.get_allocation(ended.allocation_id);  // NOT_FOUND for a hand-made lease (id 0)
  if (a.ok()) {
    leave_then(*a, {ended.node_id}, clean);
  } else {
    clean();
  }
  return ended;
}

Result<std::size_t> AllocationService::expire() {
  const EpochMs now = clock_.now_ms();
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  const Principal coordinator{.name = "coordinator", .role = UserRole::kAdmin};
  std::set<std::uint64_t> allocations;
  std::size_t released = 0;
  for (const auto& l : leases.leases) {
    if (l.ends_at_ms == 0 || l.ends_at_ms > now) continue;
    if (l.allocation_id != 0) {
      if (allocations.insert(l.allocation_id).second) {
        auto a = release(coordinator, l.allocation_id);
        if (!a.ok()) BMF_LOG_WARN("LEASE_EXPIRY_FAILED allocation {}: {}", l.allocation_id, a.status().to_string());
      }
    } else {
      auto ended = store_.end_lease(l.id, now, {.time_ms = now, .actor = "coordinator", .kind = EventKind::kLeaseExpired,
                                                .message = fmt::format("lease {} reached its end time", l.id)});
      if (!ended.ok()) continue;
      if (lease_changed_) lease_changed_();
      cleaning_.release({l.node_id}, "coordinator");
    }
    ++released;
  }
  return released;
}

Result<AllocationRecord> AllocationService::get(const Principal& by, std::uint64_t id) {
  auto a = store_.get_allocation(id);
  if (!a.ok()) return a.status();
  if (!by.admin() && !by.member_of(a->project)) return not_found(fmt::format("allocation {} does not exist", id));
  return a;
}

Result<std::vector<AllocationRecord>> AllocationService::list(const Principal& by) {
  BMF_ASSIGN_OR_RETURN(auto all, store_.list_allocations());
  std::erase_if(all, [&](const AllocationRecord& a) { return !by.admin() && !by.member_of(a.project); });
  return all;
}

}  // namespace bmf::coordinator
