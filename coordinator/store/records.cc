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

std::string_view to_string(UserRole role) {
  switch (role) {
    case UserRole::kMember: return "member";
    case UserRole::kAdmin: return "admin";
    case UserRole::kService: return "service";
  }
  return "unknown";
}

std::optional<UserRole> user_role_from_string(std::string_view text) {
  for (UserRole r : {UserRole::kMember, UserRole::kAdmin, UserRole::kService}) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

}  // namespace bmf::coordinator
