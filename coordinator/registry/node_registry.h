#pragma once
// NodeRegistry: what happens when an agent registers, heartbeats, or goes quiet.
//
// Registration matches a rebooted or re-imaged machine to its existing record by
// system UUID first, then by any known MAC, so a node is never duplicated.
// Liveness: enrolling -> available on the first heartbeat; enrolling/available ->
// unreachable after `missed_heartbeats` intervals without one; a heartbeat brings
// an unreachable node back. The registry owns no I/O besides the Store and a Clock.
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/status/status.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

struct LivenessPolicy {
  std::uint32_t heartbeat_interval_ms = 5000;
  std::uint32_t missed_heartbeats = 3;
};

struct RegistryConfig {
  LivenessPolicy liveness;
  // Empty means open enrollment (lab use only; the coordinator warns at start).
  std::string enrollment_token;
};

struct RegistrationRequest : NodeIdentity {
  std::string inventory_json = "{}";
  std::string hardware_json = "{}";
  std::string agent_version;
  std::string enrollment_token;
  std::string peer_address;
};

struct RegistrationOutcome {
  std::uint64_t node_id = 0;
  bool matched_existing = false;
  std::string node_secret;  // handed to the agent once; only its hash is stored
};

class NodeRegistry {
 public:
  NodeRegistry(Store& store, const Clock& clock, RegistryConfig config);

  Result<RegistrationOutcome> register_node(RegistrationRequest request);
  Status heartbeat(std::uint64_t node_id);
  // Marks overdue nodes unreachable; returns how many changed.
  Result<int> sweep();

  const LivenessPolicy& liveness() const { return config_.liveness; }

 private:
  Store& store_;
  const Clock& clock_;
  RegistryConfig config_;
  // Nobody is overdue for time the coordinator itself was down: the grace period
  // counts from start-up.
  EpochMs started_at_ms_;
};

// Lower-cases, drops placeholder values vendors ship (all-zero/all-F UUIDs,
// zero MACs), sorts and de-duplicates MACs; INVALID_ARGUMENT names the bad field.
Status normalize_identity(RegistrationRequest& request);

}  // namespace bmf::coordinator
