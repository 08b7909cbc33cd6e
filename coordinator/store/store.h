#pragma once
// Store: the coordinator's source of truth, one interface for every backend
// (SQLite now, PostgreSQL later). Every mutating call is one transaction that
// also appends its audit event, so an operation and its record of having
// happened can never diverge. Later operations (leases, VLAN moves) add calls
// of the same shape: state change + journal row, atomically.
#include <cstdint>
#include <memory>
#include <string>
#include <optional>
#include <vector>

#include "common/status/status.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

using NodeBriefs = std::shared_ptr<const std::vector<NodeRecord>>;

class Store {
 public:
  virtual ~Store() = default;

  // Ids of every node whose system UUID equals `system_uuid` (when non-empty) or
  // that owns any of `macs`; the UUID match first, then by id.
  virtual Result<std::vector<std::uint64_t>> find_nodes_by_identity(const std::string& system_uuid,
                                                                     const std::vector<std::string>& macs) = 0;
  virtual Result<NodeRecord> get_node(std::uint64_t id) = 0;
  virtual Result<std::vector<NodeRecord>> list_nodes() = 0;
  // Every node, only id, state, power_state, power_changed_at_ms and hardware_rev filled
  // (hardware_json == ""): what the loops that run every second read; they fetch a node's
  // hardware only when its hardware_rev moved. Shared and immutable: while no brief column of
  // any node changed, every caller gets the same rows (read once).
  virtual Result<NodeBriefs> list_nodes_brief() = 0;

  // Group commit: every write between begin_batch() and commit_batch() reaches the disk in one
  // transaction (each keeps its own all-or-nothing as a savepoint). For many small independent
  // writes that arrive together (a registration storm); whoever batches must not answer anyone
  // before commit_batch() succeeded. A failed commit_batch() loses the whole batch.
  virtual Status begin_batch() = 0;
  virtual Status commit_batch() = 0;

  // Inserts (node.id == 0; the new id is written back) or replaces the node,
  // its MAC ownership (a MAC moves to this node if another had it) and appends
  // `event` (its node_id is filled in).
  virtual Status save_node(NodeRecord& node, EventRecord event) = 0;
  // Heartbeat path: last_seen only, no event.
  virtual Status touch_node(std::uint64_t id, EpochMs last_seen_ms) = 0;
  // Many at once, in one transaction (heartbeats are written in batches). Unknown ids are skipped.
  virtual Status touch_nodes(const std::vector<std::pair<std::uint64_t, EpochMs>>& seen) = 0;
  // Narrow reads for liveness: one node's, and those of every node expected to heartbeat (free
  // or being enrolled, not powered off).
  virtual Result<NodeLiveness> liveness_of(std::uint64_t id) = 0;
  virtual Result<std::vector<NodeLiveness>> list_expected_heartbeats() = 0;
  // State transition with its event, only if the node is still in `from` and the
  // move is in the lifecycle's table (FAILED_PRECONDITION otherwise, saying where it
  // is); NOT_FOUND for an unknown node. Callers go through NodeLifecycle.
  virtual Status set_node_state(std::uint64_t id, NodeState from, NodeState to, const std::string& reason,
                                EventRecord event) = 0;
  // The power state last read back from the node's BMC (or implied by its agent);
  // `changed_at` != 0 when bmf itself changed it then (a boot is in progress).
  virtual Status set_power_state(std::uint64_t id, PowerState power, EpochMs changed_at, std::optional<EventRecord> event) = 0;

  // A new hardware inventory (agent re-report), with its event.
  virtual Status set_node_hardware(std::uint64_t id, const std::string& hardware_json, EventRecord event) = 0;

  virtual Status append_event(EventRecord event) = 0;

  // Switches and the desired state of their ports.
  virtual Status save_switch(const SwitchRecord& sw, EventRecord event) = 0;
  virtual Result<std::vector<SwitchRecord>> list_switches() = 0;
  virtual Result<SwitchRecord> get_switch(const std::string& name) = 0;
  virtual Status save_switch_port(const SwitchPortRecord& port, EventRecord event) = 0;
  virtual Result<std::vector<SwitchPortRecord>> list_switch_ports(const std::string& switch_name) = 0;
  // Leases. create_lease fills in id/revision; FAILED_PRECONDITION when the node
  // already has an active lease or the project's node quota is used up, NOT_FOUND
  // for an unknown node or project.
  virtual Status create_lease(LeaseRecord& lease, EventRecord event) = 0;
  // Ends an active lease (ended_at_ms = at); NOT_FOUND / FAILED_PRECONDITION if already ended.
  virtual Result<LeaseRecord> end_lease(std::uint64_t id, EpochMs at, EventRecord event) = 0;
  virtual Result<LeaseList> list_leases(bool active_only) = 0;
  // The newest change to any lease (0: none yet), without reading the leases.
  virtual Result<std::uint64_t> lease_revision() = 0;

  virtual Result<std::vector<EventRecord>> list_events(const EventQuery& query) = 0;

  // ---- Tenancy. Names are unique; ALREADY_EXISTS / NOT_FOUND name the object. ----
  virtual Status create_user(UserRecord& user, EventRecord event) = 0;
  virtual Result<UserRecord> get_user(const std::string& name) = 0;
  virtual Result<UserRecord> get_user_by_id(std::uint64_t id) = 0;
  virtual Result<std::vector<UserRecord>> list_users() = 0;
  // Removes the user, their memberships and tokens.
  virtual Status delete_user(const std::string& name, EventRecord event) = 0;
  virtual Status set_user_password(const std::string& name, const std::string& password_hash, EventRecord event) = 0;

  virtual Status create_project(ProjectRecord& project, EventRecord event) = 0;
  virtual Result<ProjectRecord> get_project(const std::string& name) = 0;
  virtual Result<std::vector<ProjectRecord>> list_projects() = 0;
  // FAILED_PRECONDITION while it holds leases or networks.
  virtual Status delete_project(const std::string& name, EventRecord event) = 0;
  virtual Status set_project_quota(const std::string& name, std::int64_t nodes, std::int64_t networks, EventRecord event) = 0;
  // At most `max_nodes` nodes of `hardware_class` for the project (-1 removes the quota).
  virtual Status set_class_quota(const std::string& project, const std::string& hardware_class, std::int64_t max_nodes,
                                 EventRecord event) = 0;
  virtual Status add_member(const std::string& user, const std::string& project, EventRecord event) = 0;
  virtual Status remove_member(const std::string& user, const std::string& project, EventRecord event) = 0;

  virtual Status create_token(TokenRecord& token, EventRecord event) = 0;
  virtual Result<TokenRecord> find_token(const std::string& sha256) = 0;
  virtual Result<std::vector<TokenRecord>> list_tokens(std::uint64_t user_id) = 0;
  virtual Status revoke_token(std::uint64_t id, EpochMs at, EventRecord event) = 0;
  // Grows on every change of access (membership, token, user, password);
  // the BMC proxy's cached logins are re-checked when it moves.
  virtual Result<std::uint64_t> access_revision() = 0;

  // ---- Networks ----
  // Tenant networks get the lowest free VLAN of the pool; external ones keep theirs
  // (ALREADY_EXISTS when any network has it). The owning project's network quota
  // is checked in the same transaction (FAILED_PRECONDITION naming quota and use).
  virtual Status create_network(NetworkRecord& network, const NetworkRules& rules, EventRecord event) = 0;
  virtual Result<NetworkRecord> get_network(std::uint64_t id) = 0;
  virtual Result<std::vector<NetworkRecord>> list_networks() = 0;
  // FAILED_PRECONDITION while any NIC is attached.
  virtual Status delete_network(std::uint64_t id, EventRecord event) = 0;
  virtual Result<std::vector<AttachmentRecord>> list_attachments() = 0;
  virtual Status set_nic_port(const NicPortRecord& override_port, EventRecord event) = 0;
  virtual Result<std::vector<NicPortRecord>> list_nic_ports() = 0;

  // ---- Operations journal ----
  virtual Status create_operation(OperationRecord& op) = 0;
  virtual Status update_operation(const OperationRecord& op) = 0;
  virtual Result<OperationRecord> get_operation(std::uint64_t id) = 0;
  // Attachments and port rows of `change`, the operation's final state and the event, atomically.
  virtual Status commit_network_change(const NetworkChange& change, const OperationRecord& op, EventRecord event) = 0;

  // ---- Hardware classes and allocations ----
  virtual Status save_class(const HardwareClass& hc, EventRecord event) = 0;
  virtual Result<std::vector<HardwareClass>> list_classes() = 0;
  virtual Status delete_class(const std::string& name, EventRecord event) = 0;
  // The reservation, atomically: the allocation row (id filled in), its first stages,
  // and one lease per node for the first `allocation.count` of `candidates` that have
  // no active lease, checked against the project's node quota. FAILED_PRECONDITION
  // (nothing written) when fewer are free or the quota does not allow them. A "reserved"
  // stage without detail is given the nodes taken.
  virtual Status reserve_allocation(AllocationRecord& allocation, const std::vector<std::uint64_t>& candidates,
                                    const std::vector<AllocationStage>& stages, EventRecord event) = 0;
  // State/stage/message (and one more stage row when `stage` is set), with its event.
  virtual Status update_allocation(const AllocationRecord& allocation, const std::optional<AllocationStage>& stage,
                                   std::optional<EventRecord> event) = 0;
  // `count` more nodes for a running allocation (replacing nodes that failed to come up),
  // with the same checks as the reservation; the nodes taken.
  virtual Result<std::vector<std::uint64_t>> add_allocation_nodes(const AllocationRecord& allocation,
                                                                  const std::vector<std::uint64_t>& candidates, std::uint32_t count,
                                                                  EventRecord event) = 0;
  virtual Result<AllocationRecord> get_allocation(std::uint64_t id) = 0;

  // ---- Hotpool (migration 0010) ----
  virtual Result<std::vector<HotpoolRecord>> list_hotpool() = 0;
  // SLURM clusters: ALREADY_EXISTS for a taken name; NOT_FOUND when removing an unknown one.
  virtual Status insert_slurm_cluster(const SlurmClusterRecord& cluster, EventRecord event) = 0;
  virtual Result<std::vector<SlurmClusterRecord>> list_slurm_clusters() = 0;
  virtual Status remove_slurm_cluster(const std::string& name, EventRecord event) = 0;
  // Replaces the node's membership (a node is in one cluster at a time).
  virtual Status put_slurm_member(const SlurmMemberRecord& member) = 0;
  virtual Result<SlurmMemberRecord> get_slurm_member(std::uint64_t node_id) = 0;
  // Members of `cluster` called `slurm_name`, newest first (a name can be on a leaving node and a joining one).
  virtual Result<std::vector<SlurmMemberRecord>> find_slurm_members(const std::string& cluster, const std::string& slurm_name) = 0;
  virtual Status remove_slurm_member(std::uint64_t node_id) = 0;
  virtual Status save_hotpool(const HotpoolRecord& hotpool, std::optional<EventRecord> event) = 0;
  virtual Result<std::vector<AllocationRecord>> list_allocations() = 0;
  // Rows only (no stages, no nodes) of allocations created at or after `since`: the hotpool's demand.
  virtual Result<std::vector<AllocationRecord>> allocations_since(EpochMs since) = 0;
};

}  // namespace bmf::coordinator
