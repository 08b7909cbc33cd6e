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
  Status save_node(NodeRecord& node, EventRecord event) override;
  Status touch_node(std::uint64_t id, EpochMs last_seen_ms) override;
  Status set_node_state(std::uint64_t id, NodeState state, EventRecord event) override;
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

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Connection> conn) : conn_(std::move(conn)) {}
  Status insert_event(EventRecord& event);
  Result<std::vector<std::string>> macs_of(std::uint64_t id);
  Result<NodeRecord> read_node_row(sqlite::Statement& st);
  Result<LeaseRecord> get_lease(std::uint64_t id);

  std::unique_ptr<sqlite::Connection> conn_;
};

}  // namespace bmf::coordinator
