#pragma once
// SqliteStore: the embedded default Store, one file (bmf.db) under the state dir.
#include <filesystem>
#include <memory>

#include "coordinator/store/sqlite_db.h"
#include "coordinator/store/store.h"

namespace bmf::coordinator {

// The migrations compiled into this build (coordinator/store/migrations/*.sql).
const std::vector<sqlite::Migration>& builtin_migrations();

class SqliteStore final : public Store {
 public:
  // Opens `state_dir/bmf.db` (creating the dir) and migrates it to this build's schema.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& state_dir,
                                                   const std::vector<sqlite::Migration>& migrations =
                                                       builtin_migrations());

  Result<int> schema_version() { return conn_->schema_version(); }

  Result<std::vector<std::uint64_t>> find_nodes_by_identity(const std::string& system_uuid,
                                                             const std::vector<std::string>& macs) override;
  Result<NodeRecord> get_node(std::uint64_t id) override;
  Result<std::vector<NodeRecord>> list_nodes() override;
  Result<NodeBriefs> list_nodes_brief() override;
  Status begin_batch() override;
  Status commit_batch() override;
  Status save_node(NodeRecord& node, EventRecord event) override;
  Status touch_node(std::uint64_t id, EpochMs last_seen_ms) override;
  Status touch_nodes(const std::vector<std::pair<std::uint64_t, EpochMs>>& seen) override;
  Result<NodeLiveness> liveness_of(std::uint64_t id) override;
  Result<std::vector<NodeLiveness>> list_expected_heartbeats() override;
  Status set_node_state(std::uint64_t id, NodeState from, NodeState to, const std::string& reason,
                        EventRecord event) override;
  Status set_power_state(std::uint64_t id, PowerState power, EpochMs changed_at, std::optional<EventRecord> event) override;
  Status set_node_hardware(std::uint64_t id, const std::string& hardware_json, EventRecord event) override;
  Status append_event(EventRecord event) override;
  Result<std::vector<EventRecord>> list_events(const EventQuery& query) override;
  Status save_switch(const SwitchRecord& sw, EventRecord event) override;
  Result<std::vector<SwitchRecord>> list_switches() override;
  Result<SwitchRecord> get_switch(const std::string& name) override;
  Status save_switch_port(const SwitchPortRecord& port, EventRecord event) override;
  Result<std::vector<SwitchPortRecord>> list_switch_ports(const std::string& switch_name) override;
  Status create_lease(LeaseRecord& lease, EventRecord event) override;
  Result<LeaseRecord> end_lease(std::uint64_t id, EpochMs at, EventRecord event) override;
  Result<LeaseList> list_leases(bool active_only) override;
  Result<std::uint64_t> lease_revision() override;

  Status create_user(UserRecord& user, EventRecord event) override;
  Result<UserRecord> get_user(const std::string& name) override;
  Result<UserRecord> get_user_by_id(std::uint64_t id) override;
  Result<std::vector<UserRecord>> list_users() override;
  Status delete_user(const std::string& name, EventRecord event) override;
  Status set_user_password(const std::string& name, const std::string& password_hash, EventRecord event) override;
  Status create_project(ProjectRecord& project, EventRecord event) override;
  Result<ProjectRecord> get_project(const std::string& name) override;
  Result<std::vector<ProjectRecord>> list_projects() override;
  Status delete_project(const std::string& name, EventRecord event) override;
  Status set_project_quota(const std::string& name, std::int64_t nodes, std::int64_t networks, EventRecord event) override;
  Status set_class_quota(const std::string& project, const std::string& hardware_class, std::int64_t max_nodes,
                         EventRecord event) override;
  Status add_member(const std::string& user, const std::string& project, EventRecord event) override;
  Status remove_member(const std::string& user, const std::string& project, EventRecord event) override;
  Status create_token(TokenRecord& token, EventRecord event) override;
  Result<TokenRecord> find_token(const std::string& sha256) override;
  Result<std::vector<TokenRecord>> list_tokens(std::uint64_t user_id) override;
  Status revoke_token(std::uint64_t id, EpochMs at, EventRecord event) override;
  Result<std::uint64_t> access_revision() override { return access_revision_; }

  Status create_network(NetworkRecord& network, const NetworkRules& rules, EventRecord event) override;
  Result<NetworkRecord> get_network(std::uint64_t id) override;
  Result<std::vector<NetworkRecord>> list_networks() override;
  Status delete_network(std::uint64_t id, EventRecord event) override;
  Result<std::vector<AttachmentRecord>> list_attachments() override;
  Status set_nic_port(const NicPortRecord& override_port, EventRecord event) override;
  Result<std::vector<NicPortRecord>> list_nic_ports() override;
  Status create_operation(OperationRecord& op) override;
  Status update_operation(const OperationRecord& op) override;
  Result<OperationRecord> get_operation(std::uint64_t id) override;
  Status commit_network_change(const NetworkChange& change, const OperationRecord& op, EventRecord event) override;

  Status save_class(const HardwareClass& hc, EventRecord event) override;
  Result<std::vector<HardwareClass>> list_classes() override;
  Status delete_class(const std::string& name, EventRecord event) override;
  Status reserve_allocation(AllocationRecord& allocation, const std::vector<std::uint64_t>& candidates,
                            const std::vector<AllocationStage>& stages, EventRecord event) override;
  Status update_allocation(const AllocationRecord& allocation, const std::optional<AllocationStage>& stage,
                           std::optional<EventRecord> event) override;
  Result<std::vector<std::uint64_t>> add_allocation_nodes(const AllocationRecord& allocation,
                                                          const std::vector<std::uint64_t>& candidates, std::uint32_t count,
                                                          EventRecord event) override;
  Result<std::vector<HotpoolRecord>> list_hotpool() override;
  Status insert_slurm_cluster(const SlurmClusterRecord& cluster, EventRecord event) override;
  Result<std::vector<SlurmClusterRecord>> list_slurm_clusters() override;
  Status remove_slurm_cluster(const std::string& name, EventRecord event) override;
  Status put_slurm_member(const SlurmMemberRecord& member) override;
  Result<SlurmMemberRecord> get_slurm_member(std::uint64_t node_id) override;
  Result<std::vector<SlurmMemberRecord>> find_slurm_members(const std::string& cluster, const std::string& slurm_name) override;
  Status remove_slurm_member(std::uint64_t node_id) override;
  Status save_hotpool(const HotpoolRecord& hotpool, std::optional<EventRecord> event) override;
  Result<AllocationRecord> get_allocation(std::uint64_t id) override;
  Result<std::vector<AllocationRecord>> list_allocations() override;
  Result<std::vector<AllocationRecord>> allocations_since(EpochMs since) override;

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Connection> conn) : conn_(std::move(conn)) {}
  // The last rows list_nodes_brief() read outside a transaction, and nodes_generation then.
  NodeBriefs briefs_;
  std::int64_t briefs_generation_ = -1;
  Status insert_event(EventRecord& event);
  Result<std::vector<std::string>> macs_of(std::uint64_t id);
  Result<NodeRecord> read_node_row(sqlite::Statement& st);
  Result<LeaseRecord> get_lease(std::uint64_t id);
  Status write_switch_port(const SwitchPortRecord& port);
  Status insert_lease(LeaseRecord& lease);
  // Inside a transaction: the compare-and-set half of set_node_state.
  Status move_node(std::uint64_t id, NodeState from, NodeState to, const std::string& reason, EpochMs at);
  Status insert_stage(std::uint64_t allocation_id, const AllocationStage& stage);
  Result<std::vector<std::uint64_t>> take_nodes(const AllocationRecord& a, const std::vector<std::uint64_t>& candidates,
                                                std::uint32_t count);
  Result<AllocationRecord> read_allocation_details(AllocationRecord a);
  Status write_operation(const OperationRecord& op);
  Result<std::int64_t> count(std::string_view sql, const std::string& arg);
  Result<std::vector<std::string>> column_list(std::string_view sql, std::int64_t arg);

  std::unique_ptr<sqlite::Connection> conn_;
  // Starts at a per-process random-ish base (the start time) so a restart never repeats
  // a revision an observer already saw; grows on every access-removing change.
  std::uint64_t access_revision_ = static_cast<std::uint64_t>(SystemClock().now_ms());
};

}  // namespace bmf::coordinator
