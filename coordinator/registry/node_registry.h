#pragma once
// NodeRegistry: what happens when an agent registers, heartbeats, or goes quiet.
//
// Registration matches a rebooted or re-imaged machine to its existing record by
// system UUID first, then by any known MAC, so a node is never duplicated.
// Registration never moves a known node (a node being cleaned re-registers when the
// discovery image boots; a leased one when its OS restarts the agent). Liveness,
// through NodeLifecycle: the first heartbeat takes a new node through inspecting (its
// inventory checked) to available, or to maintenance with what is wrong; a free
// node that is powered on and misses `missed_heartbeats` intervals (or `boot_timeout`
// after bmf powered it on) becomes unreachable, and a heartbeat brings it back
// through inspecting. Nodes bmf powered off are not expected to heartbeat; leased
// ones belong to their tenant. The registry owns no I/O besides the Store and a Clock.
#include <cstdint>
#include <map>
#include <unordered_set>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/status/status.h"
#include "coordinator/lifecycle/node_lifecycle.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

struct LivenessPolicy {
  std::uint32_t heartbeat_interval_ms = 5000;
  std::uint32_t missed_heartbeats = 3;
  std::uint32_t boot_timeout_ms = 600'000;  // power-on -> first heartbeat
  // Agents ask for a HeartbeatAck about every this many heartbeats (RegisterReply.heartbeats_per_ack,
  // agent/session/heartbeat_policy.h): their own judge of the coordinator's liveness. 1: every one.
  std::uint32_t heartbeats_per_ack = 3;
};

struct RegistryConfig {
  LivenessPolicy liveness;
  // Empty means open enrollment (lab use only; the coordinator warns at start).
  std::string enrollment_token;
  // A steady node's last heartbeat is judged from memory; the database's copy (what a restart
  // and a reader of the table see) is written when it is this much behind, not on every flush:
  // 19,000 agents would otherwise rewrite 19,000 rows every interval.
  std::uint32_t last_seen_write_ms = 60'000;
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
  NodeRegistry(Store& store, const Clock& clock, NodeLifecycle& lifecycle, RegistryConfig config);

  Result<RegistrationOutcome> register_node(RegistrationRequest request);
  // A steady node's heartbeat (inspected, powered on) is kept in memory and written with the
  // others by flush(); one that changes the node's state is written at once.
  Status heartbeat(std::uint64_t node_id);
  // Writes, in one transaction, the kept heartbeats whose database copy is last_seen_write_ms
  // behind (every kept one with `everything`: at shutdown).
  Status flush(bool everything = false);
  // The last heartbeat kept in memory for the node (newer than the database's), if any.
  std::optional<EpochMs> last_seen(std::uint64_t node_id) const;
  // Flushes, then marks overdue nodes unreachable; returns how many changed.
  Result<int> sweep();

  const LivenessPolicy& liveness() const { return config_.liveness; }

 private:
  Store& store_;
  const Clock& clock_;
  NodeLifecycle& lifecycle_;
  RegistryConfig config_;
  // Nobody is overdue for time the coordinator itself was down: the grace period
  // counts from start-up.
  EpochMs started_at_ms_;
  // Nodes whose last heartbeat found them steady (inspected, powered on), with their last
  // heartbeat: their next heartbeats need no database read. A node leaves it when it registers
  // again (a reboot, a power change kills its session) or the sweep finds it unreachable.
  struct Seen {
    EpochMs at = 0;       // the last heartbeat
    EpochMs written = 0;  // what the database has
  };
  std::unordered_map<std::uint64_t, Seen> seen_;
};

// What inspection finds wrong with a node's reported inventory ('' : nothing).
std::string inspection_problem(const NodeRecord& node);

// Lower-cases, drops placeholder values vendors ship (all-zero/all-F UUIDs,
// zero MACs), sorts and de-duplicates MACs; INVALID_ARGUMENT names the bad field.
Status normalize_identity(RegistrationRequest& request);

}  // namespace bmf::coordinator
