#include "coordinator/hotpool/hotpool_service.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/log/log.h"
#include "coordinator/allocation/hardware_class.h"
#include "coordinator/mapping/node_proto.h"

namespace bmf::coordinator {

std::uint32_t hot_target(std::uint32_t demand, std::int64_t min_hot, std::int64_t max_hot) {
  std::int64_t t = std::max<std::int64_t>(demand, std::max<std::int64_t>(min_hot, 0));
  if (max_hot >= 0) t = std::min(t, max_hot);
  return static_cast<std::uint32_t>(t);
}

std::uint32_t recent_demand(const std::vector<AllocationRecord>& allocations, const std::string& hardware_class, EpochMs now,
                            EpochMs window_ms, EpochMs bucket_ms) {
  std::map<EpochMs, std::uint32_t> buckets;
  for (const auto& a : allocations) {
    if (a.hardware_class != hardware_class || a.created_at_ms <= now - window_ms || a.created_at_ms > now) continue;
    buckets[(now - a.created_at_ms) / bucket_ms] += a.count;
  }
  std::uint32_t peak = 0;
  for (const auto& [b, n] : buckets) peak = std::max(peak, n);
  return peak;
}

HotpoolService::HotpoolService(Store& store, const Clock& clock, AllocationService& allocations, PowerDriver* power,
                               CommandDispatcher* agents, HotpoolConfig config)
    : store_(store), clock_(clock), allocations_(allocations), power_(power), agents_(agents), config_(config) {
  allocations_.set_busy_check([this](std::uint64_t node) { return busy(node); });
  if (agents_) {
    agents_->subscribe([this](const AgentEvent& e) {
      if (e.kind != AgentEvent::Kind::kRegistered) return;
      auto it = moving_.find(e.node_id);
      if (it != moving_.end() && it->second.action != PowerAction::kOff) {
        BMF_LOG_INFO("HOTPOOL_NODE_HOT node={} after {} ms", e.node_id, clock_.now_ms() - it->second.since_ms);
        moving_.erase(it);
      }
    });
  }
}

Result<std::vector<HotpoolClassStatus>> HotpoolService::status() {
  BMF_ASSIGN_OR_RETURN(auto classes, store_.list_classes());
  BMF_ASSIGN_OR_RETURN(NodeBriefs briefs, store_.list_nodes_brief());
  const std::vector<NodeRecord>& nodes = *briefs;
  BMF_ASSIGN_OR_RETURN(auto pools, store_.list_hotpool());
  const EpochMs now = clock_.now_ms();
  BMF_ASSIGN_OR_RETURN(auto allocations, store_.allocations_since(now - config_.window_ms));
  std::vector<HotpoolClassStatus> out;
  static const proto::Inventory kNone;
  std::vector<const proto::Inventory*> inventories = allocations_.inventories_of(briefs);
  for (auto& inv : inventories) {
    if (!inv) inv = &kNone;
  }
  for (const auto& hc : classes) {
    HotpoolClassStatus s{.hardware_class = hc.name};
    for (const auto& p : pools) {
      if (p.hardware_class != hc.name) continue;
      s.min_hot = p.min_hot;
      s.max_hot = p.max_hot;
      s.last_empty_at_ms = p.last_empty_at_ms;
      s.boot_ms = p.boot_ms;
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const NodeRecord& n = nodes[i];
      if (!matches(hc, *inventories[i])) continue;
      ++s.total;
      if (n.state != NodeState::kAvailable) continue;
      auto mv = moving_.find(n.id);
      if (mv != moving_.end()) {
        (mv->second.action == PowerAction::kOff ? s.powering_off : s.powering_on) += 1;
        continue;
      }
      (allocations_.hot(n) ? s.hot : s.warm) += 1;
    }
    s.demand = recent_demand(allocations, hc.name, now, config_.window_ms, config_.bucket_ms);
    s.target = hot_target(s.demand, s.min_hot, s.max_hot);
    out.push_back(s);
  }
  return out;
}

Status HotpoolService::set_bounds(const std::string& actor, const std::string& hardware_class, std::int64_t min_hot,
                                  std::int64_t max_hot) {
  if (min_hot < 0 || (max_hot >= 0 && max_hot < min_hot) || max_hot < -1) {
    return invalid_argument(fmt::format("hotpool bounds: need 0 <= min <= max (max -1: none), got min {} max {}", min_hot, max_hot));
  }
  BMF_ASSIGN_OR_RETURN(auto classes, store_.list_classes());
  if (std::none_of(classes.begin(), classes.end(), [&](const HardwareClass& c) { return c.name == hardware_class; })) {
    return not_found(fmt::format("class {} does not exist", hardware_class));
  }
  HotpoolRecord rec{.hardware_class = hardware_class};
  BMF_ASSIGN_OR_RETURN(auto pools, store_.list_hotpool());
  for (const auto& p : pools) {
    if (p.hardware_class == hardware_class) rec = p;
  }
  rec.min_hot = min_hot;
  rec.max_hot = max_hot;
  return store_.save_hotpool(rec, EventRecord{.time_ms = clock_.now_ms(), .actor = actor, .kind = EventKind::kHotpoolBoundsSet,
                                              .message = fmt::format("{}: min {} max {}", hardware_class, min_hot,
                                                                     max_hot < 0 ? std::string("none") : std::to_string(max_hot))});
}

void HotpoolService::note_empty(const std::string& hardware_class, std::uint32_t warm) {
  if (!empty_.insert(hardware_class).second) return;  // already said
  const EpochMs now = clock_.now_ms();
  HotpoolRecord rec{.hardware_class = hardware_class};
  if (auto pools = store_.list_hotpool(); pools.ok()) {
    for (const auto& p : *pools) {
      if (p.hardware_class == hardware_class) rec = p;
    }
  }
  rec.last_empty_at_ms = now;
  const std::string msg =
      warm == 0 ? fmt::format("class {} has no free node at all: new allocations of it are refused", hardware_class)
                : fmt::format("class {} has no hot node: allocations power warm ones on ({} left, ETA {:.0f} s)", hardware_class, warm,
                              static_cast<double>(allocations_.boot_eta_ms(hardware_class)) / 1000);
  BMF_LOG_WARN("HOTPOOL_EMPTY {}", msg);
  (void)store_.save_hotpool(rec, EventRecord{.time_ms = now, .actor = "coordinator", .kind = EventKind::kHotpoolEmpty, .message = msg});
}

void HotpoolService::start(const NodeRecord& n, PowerAction action, const std::string& why) {
  const std::uint64_t node = n.id;
  moving_[node] = Move{.action = action, .since_ms = clock_.now_ms()};
  BMF_LOG_INFO("HOTPOOL_MOVE node={} {}: {}", node, to_string(action), why);
  // The power state is unchanged until it is read back, but the change has begun: liveness gives
  // the node its boot timeout from now, not its missed heartbeats (a BMC may take seconds to power
  // a node off, and its agent stops at once).
  (void)store_.set_power_state(node, n.power_state, clock_.now_ms(), std::nullopt);
  power_->run(node, action, [this, node, action, alive = alive_](PowerOutcome out) {
    if (!*alive) return;
    auto it = moving_.find(node);
    if (it == moving_.end()) return;
    if (!out.status.ok()) {
      BMF_LOG_WARN("HOTPOOL_MOVE_FAILED node={} {}: {}", node, to_string(action), out.status.to_string());
      (void)store_.append_event({.time_ms = clock_.now_ms(), .actor = "coordinator", .node_id = node, .kind = EventKind::kHotpoolMoveFailed,
                                 .message = fmt::format("{}: {}", to_string(action), out.status.message())});
      moving_.erase(it);
      return;
    }
    (void)store_.set_power_state(node, out.state, clock_.now_ms(), std::nullopt);
    if (action == PowerAction::kOff) {
      moving_.erase(it);  // warm now
    } else {
      it->second.powered = true;  // hot once its agent registers
    }
  });
}

void HotpoolService::reconcile() {
  // Moves that never finished (an agent that did not come back) stop holding their node.
  const EpochMs now = clock_.now_ms();
  std::erase_if(moving_, [&](const auto& kv) { return kv.second.powered && now - kv.second.since_ms > config_.boot_timeout_ms; });
  auto status = this->status();
  if (!status.ok()) return;
  for (const auto& s : *status) {
    if (s.hot + s.powering_on == 0 && s.total > 0) {
      note_empty(s.hardware_class, s.warm);
    } else if (s.hot > 0) {
      empty_.erase(s.hardware_class);
    }
  }
  if (!power_) return;
  auto classes = store_.list_classes();
  auto nodes = store_.list_nodes_brief();
  if (!classes.ok() || !nodes.ok()) return;
  std::map<std::string, HotpoolClassStatus> by_class;
  for (const auto& s : *status) by_class[s.hardware_class] = s;
  // Per node: its classes; each class's surplus (hot beyond target) and deficit.
  std::map<std::string, std::int64_t> surplus;
  for (const auto& [name, s] : by_class) surplus[name] = static_cast<std::int64_t>(s.hot + s.powering_on) - s.target;
  const std::vector<const proto::Inventory*> inventories = allocations_.inventories_of(*nodes);  // a copy: start() writes
  for (std::size_t i = 0; i < (*nodes)->size(); ++i) {
    const NodeRecord& n = (**nodes)[i];
    if (n.state != NodeState::kAvailable || busy(n.id)) continue;
    const proto::Inventory* inv = inventories[i];
    if (!inv) continue;
    std::vector<std::string> mine = classes_of(*classes, *inv);
    if (mine.empty()) continue;
    const bool is_hot = allocations_.hot(n);
    if (!is_hot && n.power_state != PowerState::kOn) {
      // Warm: power on if any of its classes is short.
      bool short_somewhere = std::any_of(mine.begin(), mine.end(), [&](const std::string& c) { return surplus[c] < 0; });
      if (!short_somewhere) continue;
      for (const auto& c : mine) surplus[c] += 1;
      start(n, PowerAction::kPxeCycle, "below the hot target");
    } else if (is_hot) {
      // Hot: power off only if every class of it has more than it needs.
      bool spare_everywhere = std::all_of(mine.begin(), mine.end(), [&](const std::string& c) { return surplus[c] > 0; });
      if (!spare_everywhere) continue;
      for (const auto& c : mine) surplus[c] -= 1;
      start(n, PowerAction::kOff, "above the hot target");
    }
  }
}

}  // namespace bmf::coordinator
