#include "coordinator/lifecycle/node_lifecycle.h"

#include <fmt/format.h>

#include <cctype>

#include "common/log/log.h"

namespace bmf::coordinator {

EventKind node_event_kind(NodeState to) {
  switch (to) {
    case NodeState::kEnrolling: return EventKind::kNodeEnrolling;
    case NodeState::kInspecting: return EventKind::kNodeInspecting;
    case NodeState::kAvailable: return EventKind::kNodeAvailable;
    case NodeState::kAllocated: return EventKind::kNodeAllocated;
    case NodeState::kActive: return EventKind::kNodeActive;
    case NodeState::kReleasing: return EventKind::kNodeReleasing;
    case NodeState::kCleaning: return EventKind::kNodeCleaning;
    case NodeState::kMaintenance: return EventKind::kNodeMaintenance;
    case NodeState::kFailed: return EventKind::kNodeFailed;
    case NodeState::kUnreachable: return EventKind::kNodeUnreachable;
  }
  return EventKind::kUnknown;
}

NodeLifecycle::NodeLifecycle(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Status NodeLifecycle::transition(std::uint64_t node, NodeState to, const std::string& reason, const std::string& actor,
                                 std::optional<NodeState> from) {
  BMF_ASSIGN_OR_RETURN(NodeRecord n, store_.get_node(node));
  if (from && n.state != *from) {
    return failed_precondition(fmt::format("node {} is {}, not {}", node, to_string(n.state), to_string(*from)));
  }
  if (!node_transition_allowed(n.state, to)) {
    BMF_LOG_WARN("NODE_TRANSITION_REFUSED node={} {} -> {}: {}", node, to_string(n.state), to_string(to), reason);
    return failed_precondition(fmt::format("node {} cannot go from {} to {}", node, to_string(n.state), to_string(to)));
  }
  const EpochMs now = clock_.now_ms();
  BMF_RETURN_IF_ERROR(store_.set_node_state(node, n.state, to, reason,
                                            EventRecord{.time_ms = now, .actor = actor, .kind = node_event_kind(to),
                                                        .message = fmt::format("{} -> {}: {}", to_string(n.state), to_string(to), reason)}));
  BMF_LOG_INFO("NODE_STATE node={} {} -> {} ({})", node, to_string(n.state), to_string(to), reason);
  notify(node, n.state, to);
  return ok_status();
}

void NodeLifecycle::notify(std::uint64_t node, NodeState from, NodeState to) {
  for (const auto& hook : hooks_) hook(node, from, to);
}

Status NodeLifecycle::enter_maintenance(std::uint64_t node, const std::string& reason, const std::string& actor) {
  BMF_ASSIGN_OR_RETURN(NodeRecord n, store_.get_node(node));
  if (n.state == NodeState::kMaintenance) return failed_precondition(fmt::format("node {} is already in maintenance", node));
  if (n.state == NodeState::kAllocated || n.state == NodeState::kActive || n.state == NodeState::kReleasing) {
    return failed_precondition(fmt::format("node {} is {} (leased): release it first", node, to_string(n.state)));
  }
  if (reason.empty()) return invalid_argument("maintenance needs a reason");
  return transition(node, NodeState::kMaintenance, reason, actor, n.state);
}

Status NodeLifecycle::leave_maintenance(std::uint64_t node, bool clean, const std::string& actor) {
  return transition(node, clean ? NodeState::kCleaning : NodeState::kAvailable,
                    clean ? "out of maintenance, cleaning first" : "out of maintenance", actor, NodeState::kMaintenance);
}

}  // namespace bmf::coordinator
