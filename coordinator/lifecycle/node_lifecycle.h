#pragma once
// NodeLifecycle: the one place that moves a node between states.
//
//   enrolling -> inspecting -> available -> allocated -> active -> releasing -> cleaning -> available
//   plus maintenance (operators, or a step that failed), failed, unreachable;
//   the power state is kept beside it (docs/node-lifecycle.md has the whole table).
//
// transition() checks the move against node_transition_allowed(), writes the new
// state, its reason and the event in one Store transaction (compare-and-set on the
// state it read, so two writers cannot both move a node), and logs NODE_STATE.
// The Store's lease calls apply the same table to the moves they make atomically
// with a lease (available -> allocated/active, allocated/active -> releasing).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/status/status.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

class NodeLifecycle {
 public:
  NodeLifecycle(Store& store, const Clock& clock);

  // Moves `node` to `to`. When `from` is given the node must be in it (FAILED_PRECONDITION
  // otherwise); an illegal move is FAILED_PRECONDITION naming both states.
  Status transition(std::uint64_t node, NodeState to, const std::string& reason, const std::string& actor,
                    std::optional<NodeState> from = std::nullopt);

  // Operators: into maintenance from any state but a leased one (allocated, active,
  // releasing: release it first), or out of it (back to available, or through a
  // cleaning when `clean`).
  Status enter_maintenance(std::uint64_t node, const std::string& reason, const std::string& actor);
  Status leave_maintenance(std::uint64_t node, bool clean, const std::string& actor);

  // Called after every transition (hotpool and cleaning loops wake up on it).
  void on_transition(std::function<void(std::uint64_t, NodeState, NodeState)> hook) { hooks_.push_back(std::move(hook)); }
  // For the Store's own moves (lease calls): tell the listeners too.
  void notify(std::uint64_t node, NodeState from, NodeState to);

 private:
  Store& store_;
  const Clock& clock_;
  std::vector<std::function<void(std::uint64_t, NodeState, NodeState)>> hooks_;
};

// The event kind of reaching a state: NODE_AVAILABLE, NODE_MAINTENANCE, ...
EventKind node_event_kind(NodeState to);

}  // namespace bmf::coordinator
