#include "coordinator/allocation/allocation_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/log/log.h"
#include "coordinator/allocation/hardware_class.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

AllocationService::AllocationService(Store& store, const Clock& clock, NetworkService& networks)
    : store_(store), clock_(clock), networks_(networks) {
  networks_.on_finished([this](const OperationRecord& op) { network_done(op); });
}

Status AllocationService::save_class(const Principal& by, HardwareClass hc) {
  BMF_RETURN_IF_ERROR(validate_class(hc));
  hc.created_at_ms = clock_.now_ms();
  return store_.save_class(hc, EventRecord{.time_ms = hc.created_at_ms, .actor = by.actor(), .kind = "CLASS_SAVED",
                                           .message = fmt::format("{}: gpus>={} model '{}' rdma={} memory>={}GiB cpus>={}", hc.name,
                                                                  hc.min_gpus, hc.gpu_model, hc.rdma, hc.min_memory_gib, hc.min_cpus)});
}

Status AllocationService::remove_class(const Principal& by, const std::string& name) {
  return store_.delete_class(name, EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = "CLASS_REMOVED", .message = name});
}

Result<std::vector<std::uint64_t>> AllocationService::candidates(const std::string& class_name, std::string& shortage) {
  BMF_ASSIGN_OR_RETURN(auto classes, store_.list_classes());
  const HardwareClass* hc = nullptr;
  for (const auto& c : classes) {
    if (c.name == class_name) hc = &c;
  }
  if (!class_name.empty() && !hc) return not_found(fmt::format("class {} does not exist", class_name));
  BMF_ASSIGN_OR_RETURN(auto nodes, store_.list_nodes());
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  std::set<std::uint64_t> leased;
  for (const auto& l : leases.leases) leased.insert(l.node_id);
  // Free nodes of the class, grouped by the leaf switch their first cabled NIC is on.
  std::map<std::string, std::vector<std::uint64_t>> by_leaf;
  std::size_t free = 0, of_class = 0;
  for (const auto& n : nodes) {
    proto::Inventory inv;
    if (!from_json(n.hardware_json, inv).ok()) continue;
    if (hc && !matches(*hc, inv)) continue;
    ++of_class;
    if (n.state != NodeState::kAvailable || leased.count(n.id)) continue;
    ++free;
    std::string leaf;
    for (const auto& nic : inv.nics()) {
      auto port = networks_.nic_port(n.id, nic.name());
      if (port.ok()) {
        leaf = port->switch_name;
        break;
      }
    }
    by_leaf[leaf].push_back(n.id);
  }
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> leaves(by_leaf.begin(), by_leaf.end());
  std::stable_sort(leaves.begin(), leaves.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::vector<std::uint64_t> out;
  for (const auto& [leaf, ids] : leaves) out.insert(out.end(), ids.begin(), ids.end());
  shortage = fmt::format("{}{} node(s) free ({} in the class, the rest leased, unreachable or not yet available)",
                         class_name.empty() ? "" : "class " + class_name + ": ", free, of_class);
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
  if (changed_) changed_(a);
}

Result<AllocationRecord> AllocationService::request(const Principal& by, const AllocationRequest& r) {
  const EpochMs t0 = clock_.now_ms();
  if (!by.admin() && !by.member_of(r.project)) return not_found(fmt::format("project {} does not exist", r.project));
  if (r.count < 1 || r.count > 10'000) return invalid_argument(fmt::format("count must be 1..10000, got {}", r.count));
  if (r.duration_s < 0 || r.duration_s > 10LL * 365 * 86400) {
    return invalid_argument("duration must be between 0 (held until released) and 10 years");
  }
  if (r.handover != "none") {
    return Status(StatusCode::kUnimplemented, fmt::format("handover '{}' is not available yet (none is)", r.handover));
  }
  if (!r.network.empty()) BMF_RETURN_IF_ERROR(networks_.find(by, r.network, r.project).status());
  std::string shortage;
  BMF_ASSIGN_OR_RETURN(auto picks, candidates(r.hardware_class, shortage));
  if (picks.size() < r.count) {
    return failed_precondition(fmt::format("not enough nodes: {} asked, {}", r.count, shortage));
  }
  AllocationRecord a{.project = r.project, .owner = by.name, .hardware_class = r.hardware_class, .count = r.count,
                     .network = r.network, .handover = r.handover, .state = "running", .stage = "reserved",
                     .created_at_ms = t0, .updated_at_ms = clock_.now_ms(),
                     .ends_at_ms = r.duration_s > 0 ? t0 + r.duration_s * 1000 : 0};
  std::vector<AllocationStage> first{{.stage = "requested", .at_ms = t0,
                                      .detail = fmt::format("{} x {}", r.count, r.hardware_class.empty() ? "any" : r.hardware_class)}};
  first.push_back({.stage = "reserved", .at_ms = a.updated_at_ms, .detail = ""});
  BMF_RETURN_IF_ERROR(store_.reserve_allocation(a, picks, first,
                                                EventRecord{.time_ms = a.updated_at_ms, .actor = by.actor(), .kind = "ALLOCATION_RESERVED",
                                                            .message = fmt::format("{} node(s) for {}", r.count, r.project)}));
  a.stages = first;
  a.stages.back().detail = fmt::format("nodes {}", fmt::join(a.nodes, ","));
  BMF_LOG_INFO("ALLOCATION_STAGE {} reserved nodes {}", a.id, fmt::join(a.nodes, ","));
  if (lease_changed_) lease_changed_();
  if (changed_) changed_(a);

  if (r.network.empty()) {
    stage(a, "assigned", "no network asked for");
    stage(a, "ready", "", "ready", EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = "ALLOCATION_READY",
                                               .message = fmt::format("allocation {}: {} node(s)", a.id, a.count)});
    return store_.get_allocation(a.id);
  }
  // Each node's first cabled NIC onto the network, all in one operation.
  std::vector<AttachRequest> attach;
  for (auto node : a.nodes) {
    auto n = store_.get_node(node);
    proto::Inventory inv;
    if (n.ok()) (void)from_json(n->hardware_json, inv);
    for (const auto& nic : inv.nics()) {
      if (networks_.nic_port(node, nic.name()).ok()) {
        attach.push_back({.node_id = node, .nic = nic.name(), .network = r.network, .project = r.project});
        break;
      }
    }
  }
  if (attach.size() != a.nodes.size()) {
    fail(a, "assigned", "some nodes have no NIC with a known switch port");
    return store_.get_allocation(a.id);
  }
  auto op = networks_.attach_many(by, attach);
  if (!op.ok()) {
    fail(a, "assigned", op.status().to_string());
    return store_.get_allocation(a.id);
  }
  a.operation_id = op->id;
  stage(a, "assigning", fmt::format("network operation {}: {} port(s)", op->id, attach.size()));
  waiting_[op->id] = a.id;
  if (op->state == "succeeded" || op->state == "failed") network_done(*op);  // finished before we listened
  return store_.get_allocation(a.id);
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
  stage(*a, "ready", "", "ready", EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = "ALLOCATION_READY",
                                              .message = fmt::format("allocation {}: {} node(s)", a->id, a->count)});
}

void AllocationService::fail(AllocationRecord& a, const std::string& step, const std::string& why) {
  // Roll back what was done: the leases end (their ports go back to provisioning with them).
  std::vector<std::uint64_t> ended;
  auto leases = store_.list_leases(true);
  if (leases.ok()) {
    for (const auto& l : leases->leases) {
      if (l.allocation_id != a.id) continue;
      if (store_.end_lease(l.id, clock_.now_ms(), {.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = "LEASE_ENDED",
                                                    .message = fmt::format("allocation {} failed", a.id)}).ok()) {
        ended.push_back(l.node_id);
      }
    }
  }
  (void)networks_.release_nodes("coordinator", ended);
  if (lease_changed_) lease_changed_();
  a.message = fmt::format("step '{}' failed: {}; rolled back: {}", step, why,
                          ended.empty() ? "nothing to undo" : fmt::format("leases of nodes {} ended", fmt::join(ended, ",")));
  stage(a, "failed", a.message, "failed",
        EventRecord{.time_ms = clock_.now_ms(), .actor = "coordinator", .kind = "ALLOCATION_FAILED",
                    .message = fmt::format("allocation {}: {}", a.id, a.message)});
}

Result<AllocationRecord> AllocationService::release(const Principal& by, std::uint64_t id) {
  BMF_ASSIGN_OR_RETURN(AllocationRecord a, get(by, id));
  if (a.state == "released" || a.state == "failed") return failed_precondition(fmt::format("allocation {} is already {}", id, a.state));
  stage(a, "releasing", "", "releasing");
  std::vector<std::uint64_t> ended;
  BMF_ASSIGN_OR_RETURN(auto leases, store_.list_leases(true));
  for (const auto& l : leases.leases) {
    if (l.allocation_id != a.id) continue;
    BMF_RETURN_IF_ERROR(store_.end_lease(l.id, clock_.now_ms(), {.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = "LEASE_ENDED",
                                                                  .message = fmt::format("allocation {} released", a.id)})
                            .status());
    ended.push_back(l.node_id);
  }
  if (lease_changed_) lease_changed_();
  auto op = networks_.release_nodes(by.actor(), ended);
  stage(a, "released",
        op.ok() && op->has_value() ? fmt::format("nodes {}; ports back to provisioning (operation {})", fmt::join(ended, ","), (*op)->id)
                                   : fmt::format("nodes {}", fmt::join(ended, ",")),
        "released",
        EventRecord{.time_ms = clock_.now_ms(), .actor = by.actor(), .kind = "ALLOCATION_RELEASED",
                    .message = fmt::format("allocation {}: {} node(s)", a.id, ended.size())});
  return store_.get_allocation(a.id);
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
      auto ended = store_.end_lease(l.id, now, {.time_ms = now, .actor = "coordinator", .kind = "LEASE_EXPIRED",
                                                .message = fmt::format("lease {} reached its end time", l.id)});
      if (!ended.ok()) continue;
      if (lease_changed_) lease_changed_();
      (void)networks_.release_node("coordinator", l.node_id);
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
