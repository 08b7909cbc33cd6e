#include "coordinator/store/records.h"

namespace bmf::coordinator {

std::string_view to_string(NodeState state) {
  switch (state) {
    case NodeState::kEnrolling: return "enrolling";
    case NodeState::kInspecting: return "inspecting";
    case NodeState::kAvailable: return "available";
    case NodeState::kAllocated: return "allocated";
    case NodeState::kActive: return "active";
    case NodeState::kReleasing: return "releasing";
    case NodeState::kCleaning: return "cleaning";
    case NodeState::kMaintenance: return "maintenance";
    case NodeState::kFailed: return "failed";
    case NodeState::kUnreachable: return "unreachable";
  }
  return "unknown";
}

std::optional<NodeState> node_state_from_string(std::string_view text) {
  for (NodeState s : kAllNodeStates) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

bool node_transition_allowed(NodeState from, NodeState to) {
  using S = NodeState;
  if (from == to) return false;
  switch (from) {
    case S::kEnrolling: return to == S::kInspecting || to == S::kUnreachable || to == S::kMaintenance || to == S::kFailed;
    case S::kInspecting: return to == S::kAvailable || to == S::kUnreachable || to == S::kMaintenance || to == S::kFailed;
    // available -> active: a lease made by hand (no allocation steps to run).
    case S::kAvailable:
      return to == S::kAllocated || to == S::kActive || to == S::kUnreachable || to == S::kMaintenance || to == S::kFailed ||
             to == S::kCleaning;
    // A rolled-back allocation releases its nodes like any other (the tenant had their BMCs).
    case S::kAllocated: return to == S::kActive || to == S::kReleasing || to == S::kMaintenance;
    case S::kActive: return to == S::kReleasing;
    case S::kReleasing: return to == S::kCleaning || to == S::kMaintenance;
    case S::kCleaning: return to == S::kAvailable || to == S::kMaintenance || to == S::kFailed;
    // Out of maintenance: straight back, or through a cleaning first.
    case S::kMaintenance: return to == S::kAvailable || to == S::kCleaning || to == S::kFailed;
    case S::kFailed: return to == S::kMaintenance;
    case S::kUnreachable: return to == S::kInspecting || to == S::kMaintenance || to == S::kFailed;
  }
  return false;
}

std::string_view to_string(PowerState state) {
  switch (state) {
    case PowerState::kUnknown: return "unknown";
    case PowerState::kOn: return "on";
    case PowerState::kOff: return "off";
  }
  return "unknown";
}

std::optional<PowerState> power_state_from_string(std::string_view text) {
  for (PowerState s : {PowerState::kUnknown, PowerState::kOn, PowerState::kOff}) {
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
