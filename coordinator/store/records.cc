#include "coordinator/store/records.h"

namespace bmf::coordinator {

std::string_view to_string(NodeState state) {
  switch (state) {
    case NodeState::kEnrolling: return "enrolling";
    case NodeState::kAvailable: return "available";
    case NodeState::kUnreachable: return "unreachable";
  }
  return "unknown";
}

std::optional<NodeState> node_state_from_string(std::string_view text) {
  for (NodeState s : {NodeState::kEnrolling, NodeState::kAvailable, NodeState::kUnreachable}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace bmf::coordinator
