#pragma once
// Every kind of event the coordinator records (events.kind in the database; `kind` in GET
// /api/v1/events and `bmfctl events`). This list is the only place a kind is spelled: code
// names EventKind::k..., the database and the API carry the stable string.
#include <ostream>
#include <string_view>

namespace bmf::coordinator {

#define BMF_EVENT_KINDS(X)                                     \
  X(kNodeRegistered, "NODE_REGISTERED")                        \
  X(kNodeReregistered, "NODE_REREGISTERED")                    \
  X(kNodeInventoryUpdated, "NODE_INVENTORY_UPDATED")           \
  X(kNodeEnrolling, "NODE_ENROLLING")                          \
  X(kNodeInspecting, "NODE_INSPECTING")                        \
  X(kNodeAvailable, "NODE_AVAILABLE")                          \
  X(kNodeAllocated, "NODE_ALLOCATED")                          \
  X(kNodeActive, "NODE_ACTIVE")                                \
  X(kNodeReleasing, "NODE_RELEASING")                          \
  X(kNodeCleaning, "NODE_CLEANING")                            \
  X(kNodeMaintenance, "NODE_MAINTENANCE")                      \
  X(kNodeFailed, "NODE_FAILED")                                \
  X(kNodeUnreachable, "NODE_UNREACHABLE")                      \
  X(kCommandAccepted, "COMMAND_ACCEPTED")                      \
  X(kCommandSucceeded, "COMMAND_SUCCEEDED")                    \
  X(kCommandFailed, "COMMAND_FAILED")                          \
  X(kUserCreated, "USER_CREATED")                              \
  X(kUserRemoved, "USER_REMOVED")                              \
  X(kUserPasswordSet, "USER_PASSWORD_SET")                     \
  X(kUserLoggedIn, "USER_LOGGED_IN")                           \
  X(kSessionEnded, "SESSION_ENDED")                            \
  X(kTokenCreated, "TOKEN_CREATED")                            \
  X(kTokenRevoked, "TOKEN_REVOKED")                            \
  X(kProjectCreated, "PROJECT_CREATED")                        \
  X(kProjectRemoved, "PROJECT_REMOVED")                        \
  X(kProjectQuotaSet, "PROJECT_QUOTA_SET")                     \
  X(kMemberAdded, "MEMBER_ADDED")                              \
  X(kMemberRemoved, "MEMBER_REMOVED")                          \
  X(kLeaseStarted, "LEASE_STARTED")                            \
  X(kLeaseEnded, "LEASE_ENDED")                                \
  X(kLeaseExpired, "LEASE_EXPIRED")                            \
  X(kNetworkCreated, "NETWORK_CREATED")                        \
  X(kNetworkImported, "NETWORK_IMPORTED")                      \
  X(kNetworkDeleted, "NETWORK_DELETED")                        \
  X(kNetworkChanged, "NETWORK_CHANGED")                        \
  X(kNetworkChangeFailed, "NETWORK_CHANGE_FAILED")             \
  X(kNetworkReleaseFailed, "NETWORK_RELEASE_FAILED")           \
  X(kNicPortMapped, "NIC_PORT_MAPPED")                         \
  X(kSwitchSaved, "SWITCH_SAVED")                              \
  X(kSwitchPortSaved, "SWITCH_PORT_SAVED")                     \
  X(kSwitchSyncStarted, "SWITCH_SYNC_STARTED")                 \
  X(kSwitchSynced, "SWITCH_SYNCED")                            \
  X(kSwitchSyncFailed, "SWITCH_SYNC_FAILED")                   \
  X(kSwitchChecked, "SWITCH_CHECKED")                          \
  X(kSwitchCheckFailed, "SWITCH_CHECK_FAILED")                 \
  X(kClassSaved, "CLASS_SAVED")                                \
  X(kClassRemoved, "CLASS_REMOVED")                            \
  X(kAllocationReserved, "ALLOCATION_RESERVED")                \
  X(kAllocationNodeReplaced, "ALLOCATION_NODE_REPLACED")       \
  X(kAllocationReady, "ALLOCATION_READY")                      \
  X(kAllocationFailed, "ALLOCATION_FAILED")                    \
  X(kAllocationReleased, "ALLOCATION_RELEASED")                \
  X(kHotpoolBoundsSet, "HOTPOOL_BOUNDS_SET")                   \
  X(kHotpoolEmpty, "HOTPOOL_EMPTY")                            \
  X(kHotpoolMoveFailed, "HOTPOOL_MOVE_FAILED")                 \
  X(kSlurmClusterAdded, "SLURM_CLUSTER_ADDED")                 \
  X(kSlurmClusterRemoved, "SLURM_CLUSTER_REMOVED")

enum class EventKind {
  kUnknown,  // a row whose kind this build does not know (written by a newer coordinator)
#define BMF_EVENT_KIND_ENUM(name, text) name,
  BMF_EVENT_KINDS(BMF_EVENT_KIND_ENUM)
#undef BMF_EVENT_KIND_ENUM
};

constexpr std::string_view to_string(EventKind k) {
  switch (k) {
#define BMF_EVENT_KIND_TEXT(name, text) \
  case EventKind::name:                 \
    return text;
    BMF_EVENT_KINDS(BMF_EVENT_KIND_TEXT)
#undef BMF_EVENT_KIND_TEXT
    case EventKind::kUnknown: break;
  }
  return "UNKNOWN";
}

constexpr EventKind parse_event_kind(std::string_view s) {
#define BMF_EVENT_KIND_PARSE(name, text) \
  if (s == text) return EventKind::name;
  BMF_EVENT_KINDS(BMF_EVENT_KIND_PARSE)
#undef BMF_EVENT_KIND_PARSE
  return EventKind::kUnknown;
}

inline std::ostream& operator<<(std::ostream& os, EventKind k) { return os << to_string(k); }

}  // namespace bmf::coordinator
