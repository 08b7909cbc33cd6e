#include "coordinator/store/sqlite_store.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace bmf::coordinator {

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open_store() {
    auto s = SqliteStore::open(dir_.path() / "state");
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static NodeRecord node(std::string uuid, std::vector<std::string> macs) {
    NodeRecord n;
    n.system_uuid = std::move(uuid);
    n.macs = std::move(macs);
    n.serial = "SN-1";
    n.registered_at_ms = 1000;
    n.last_seen_ms = 1000;
    n.registrations = 1;
    return n;
  }

  static EventRecord event(EventKind kind = EventKind::kNodeRegistered) {
    return EventRecord{.time_ms = 1000, .actor = "test", .kind = kind, .message = "m"};
  }

  testing::TempDir dir_;
};

TEST_F(SqliteStoreTest, FreshDatabase_MigratedToNewestVersion) {
  auto store = open_store();
  auto v = store->schema_version();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, builtin_migrations().back().version);
}

TEST_F(SqliteStoreTest, Version1Database_UpgradedInPlaceWithHardwareColumn) {
  {
    std::vector<sqlite::Migration> v1(builtin_migrations().begin(), builtin_migrations().begin() + 1);
    auto old = SqliteStore::open(dir_.path() / "state", v1);
    ASSERT_TRUE(old.ok());
  }
  auto store = open_store();
  NodeRecord n = node("uuid-a", {"aa:00:00:00:00:01"});
  n.hardware_json = R"({"gpus":[]})";
  ASSERT_TRUE(store->save_node(n, event()).ok());
  EXPECT_EQ(store->get_node(n.id)->hardware_json, R"({"gpus":[]})");
  ASSERT_TRUE(store->set_node_hardware(n.id, R"({"disks":[]})", event(EventKind::kNodeInventoryUpdated)).ok());
  EXPECT_EQ(store->get_node(n.id)->hardware_json, R"({"disks":[]})");
}

TEST_F(SqliteStoreTest, Reopen_MigrationsNotReapplied) {
  { open_store(); }
  auto store = open_store();  // would fail with "table nodes already exists" if re-run
  ASSERT_NE(store, nullptr);
}

TEST_F(SqliteStoreTest, SchemaNewerThanBuild_RefusedWithClearError) {
  {
    std::vector<sqlite::Migration> future = builtin_migrations();
    future.push_back({999, "9999_future", "CREATE TABLE future(x INTEGER);"});
    ASSERT_TRUE(SqliteStore::open(dir_.path() / "state", future).ok());
  }
  auto s = SqliteStore::open(dir_.path() / "state");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("newer than this build"), std::string::npos);
}

TEST_F(SqliteStoreTest, FailingMigration_RolledBackAndVersionUnchanged) {
  const int current = builtin_migrations().back().version;
  std::vector<sqlite::Migration> broken = builtin_migrations();
  broken.push_back({current + 1, "9998_broken", "CREATE TABLE half(x INTEGER); THIS IS NOT SQL;"});
  auto s = SqliteStore::open(dir_.path() / "state", broken);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("9998_broken"), std::string::npos);
  auto store = open_store();
  EXPECT_EQ(*store->schema_version(), current);
  // The half-applied table must not exist: re-running the fixed migration works.
  std::vector<sqlite::Migration> fixed = builtin_migrations();
  fixed.push_back({current + 1, "9998_fixed", "CREATE TABLE half(x INTEGER);"});
  store.reset();
  EXPECT_TRUE(SqliteStore::open(dir_.path() / "state", fixed).ok());
}

TEST_F(SqliteStoreTest, SaveNode_InsertAssignsIdAndWritesEvent) {
  auto store = open_store();
  NodeRecord n = node("uuid-a", {"aa:00:00:00:00:01", "aa:00:00:00:00:02"});
  ASSERT_TRUE(store->save_node(n, event(EventKind::kNodeRegistered)).ok());
  EXPECT_GT(n.id, 0u);
  auto got = store->get_node(n.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->system_uuid, "uuid-a");
  EXPECT_EQ(got->macs, n.macs);
  auto events = store->list_events({.node_id = n.id});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, EventKind::kNodeRegistered);
}

TEST_F(SqliteStoreTest, FindByIdentity_MatchesUuidOrAnyMac) {
  auto store = open_store();
  NodeRecord a = node("uuid-a", {"aa:00:00:00:00:01"});
  NodeRecord b = node("", {"bb:00:00:00:00:01", "bb:00:00:00:00:02"});
  ASSERT_TRUE(store->save_node(a, event()).ok());
  ASSERT_TRUE(store->save_node(b, event()).ok());
  EXPECT_EQ(*store->find_nodes_by_identity("uuid-a", {}), std::vector<std::uint64_t>{a.id});
  EXPECT_EQ(*store->find_nodes_by_identity("", {"bb:00:00:00:00:02"}), std::vector<std::uint64_t>{b.id});
  EXPECT_EQ(*store->find_nodes_by_identity("uuid-a", {"bb:00:00:00:00:01"}),
            (std::vector<std::uint64_t>{a.id, b.id}));
  EXPECT_TRUE(store->find_nodes_by_identity("uuid-z", {"cc:00:00:00:00:00"})->empty());
}

TEST_F(SqliteStoreTest, DuplicateUuid_RejectedAndNothingWritten) {
  auto store = open_store();
  NodeRecord a = node("uuid-a", {"aa:00:00:00:00:01"});
  ASSERT_TRUE(store->save_node(a, event()).ok());
  NodeRecord dup = node("uuid-a", {"dd:00:00:00:00:01"});
  EXPECT_FALSE(store->save_node(dup, event()).ok());
  EXPECT_EQ(store->list_nodes()->size(), 1u);
  EXPECT_EQ(store->list_events({})->size(), 1u);
  EXPECT_TRUE(store->find_nodes_by_identity("", {"dd:00:00:00:00:01"})->empty());
}

TEST_F(SqliteStoreTest, SaveNode_MacMovesToNewOwner) {
  auto store = open_store();
  NodeRecord a = node("uuid-a", {"aa:00:00:00:00:01", "11:11:11:11:11:11"});
  NodeRecord b = node("uuid-b", {"bb:00:00:00:00:01"});
  ASSERT_TRUE(store->save_node(a, event()).ok());
  ASSERT_TRUE(store->save_node(b, event()).ok());
  b.macs.push_back("11:11:11:11:11:11");
  ASSERT_TRUE(store->save_node(b, event()).ok());
  EXPECT_EQ(store->get_node(a.id)->macs, std::vector<std::string>{"aa:00:00:00:00:01"});
  EXPECT_EQ(store->get_node(b.id)->macs.size(), 2u);
}

TEST_F(SqliteStoreTest, HardwareRev_MovesOnlyWhenTheHardwareChanges_BriefListLeavesItOut) {
  auto store = open_store();
  NodeRecord n = node("uuid-a", {"aa:00:00:00:00:01"});
  n.hardware_json = R"({"gpus":[]})";
  ASSERT_TRUE(store->save_node(n, event()).ok());
  const std::uint64_t first = store->get_node(n.id)->hardware_rev;
  // Saving the node with the same hardware (a re-registration, a state change) keeps the rev.
  NodeRecord same = *store->get_node(n.id);
  same.hostname = "renamed";
  ASSERT_TRUE(store->save_node(same, event()).ok());
  ASSERT_TRUE(store->set_node_state(n.id, NodeState::kEnrolling, NodeState::kUnreachable, "quiet", event(EventKind::kNodeUnreachable)).ok());
  EXPECT_EQ(store->get_node(n.id)->hardware_rev, first);
  // Each write that changes it moves it, whichever path writes.
  ASSERT_TRUE(store->set_node_hardware(n.id, R"({"disks":[]})", event(EventKind::kNodeInventoryUpdated)).ok());
  EXPECT_EQ(store->get_node(n.id)->hardware_rev, first + 1);
  NodeRecord again = *store->get_node(n.id);
  again.hardware_json = R"({"nics":[]})";
  ASSERT_TRUE(store->save_node(again, event()).ok());
  EXPECT_EQ(store->get_node(n.id)->hardware_rev, first + 2);

  auto brief = store->list_nodes_brief();
  ASSERT_TRUE(brief.ok()) << brief.status().to_string();
  ASSERT_EQ((*brief)->size(), 1u);
  const NodeRecord& b = (**brief)[0];
  EXPECT_EQ(b.id, n.id);
  EXPECT_EQ(b.state, NodeState::kUnreachable);
  EXPECT_EQ(b.hardware_rev, first + 2);
  EXPECT_EQ(b.hardware_json, "");
  EXPECT_EQ(b.inventory_json, "");
}

TEST_F(SqliteStoreTest, NodeBriefs_ReadAgainOnlyWhenABriefColumnChanges_WhoeverWritesIt) {
  auto store = open_store();
  NodeRecord a = node("uuid-a", {"aa:00:00:00:00:01"});
  NodeRecord b = node("uuid-b", {"bb:00:00:00:00:01"});
  ASSERT_TRUE(store->save_node(a, event()).ok());
  ASSERT_TRUE(store->save_node(b, event()).ok());
  auto first = store->list_nodes_brief();
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_EQ((*first)->size(), 2u);
  // Nothing changed, or only last-seen and columns the brief rows leave out: the same rows.
  ASSERT_TRUE(store->touch_nodes({{a.id, 5000}, {b.id, 5000}}).ok());
  NodeRecord renamed = *store->get_node(a.id);
  renamed.hostname = "renamed";
  ASSERT_TRUE(store->save_node(renamed, event()).ok());
  EXPECT_EQ(store->list_nodes_brief()->get(), first->get());
  // A state change: read again, and the new rows show it.
  ASSERT_TRUE(store->set_node_state(a.id, NodeState::kEnrolling, NodeState::kUnreachable, "quiet", event(EventKind::kNodeUnreachable)).ok());
  auto second = store->list_nodes_brief();
  ASSERT_NE(second->get(), first->get());
  EXPECT_EQ((**second)[0].state, NodeState::kUnreachable);
  EXPECT_EQ((**first)[0].state, NodeState::kEnrolling) << "rows handed out before stay as they were";
  // Power, hardware (through its rev) and a new node each move it too.
  ASSERT_TRUE(store->set_power_state(b.id, PowerState::kOff, 7000, std::nullopt).ok());
  auto third = store->list_nodes_brief();
  ASSERT_NE(third->get(), second->get());
  EXPECT_EQ((**third)[1].power_state, PowerState::kOff);
  EXPECT_EQ((**third)[1].power_changed_at_ms, 7000);
  ASSERT_TRUE(store->set_node_hardware(b.id, R"({"disks":[]})", event(EventKind::kNodeInventoryUpdated)).ok());
  auto fourth = store->list_nodes_brief();
  EXPECT_EQ((**fourth)[1].hardware_rev, (**third)[1].hardware_rev + 1);
  NodeRecord c = node("uuid-c", {"cc:00:00:00:00:01"});
  ASSERT_TRUE(store->save_node(c, event()).ok());
  EXPECT_EQ((*store->list_nodes_brief())->size(), 3u);
  // Inside a batch the reader sees the batch's own writes.
  ASSERT_TRUE(store->begin_batch().ok());
  ASSERT_TRUE(store->set_node_state(c.id, NodeState::kEnrolling, NodeState::kUnreachable, "quiet", event(EventKind::kNodeUnreachable)).ok());
  EXPECT_EQ((**store->list_nodes_brief())[2].state, NodeState::kUnreachable);
  ASSERT_TRUE(store->commit_batch().ok());
  EXPECT_EQ((**store->list_nodes_brief())[2].state, NodeState::kUnreachable);
  // Another connection to the same database (the triggers count its writes too).
  auto other = open_store();
  ASSERT_TRUE(other->set_node_state(b.id, NodeState::kEnrolling, NodeState::kMaintenance, "by hand", event(EventKind::kNodeUnreachable)).ok());
  EXPECT_EQ((**store->list_nodes_brief())[1].state, NodeState::kMaintenance);
}

TEST_F(SqliteStoreTest, StateAndLastSeen_SurviveReopen) {
  std::uint64_t id;
  {
    auto store = open_store();
    NodeRecord a = node("uuid-a", {"aa:00:00:00:00:01"});
    ASSERT_TRUE(store->save_node(a, event()).ok());
    id = a.id;
    ASSERT_TRUE(store->set_node_state(id, NodeState::kEnrolling, NodeState::kUnreachable, "quiet", event(EventKind::kNodeUnreachable)).ok());
    ASSERT_TRUE(store->touch_node(id, 4242).ok());
  }
  auto store = open_store();
  auto n = store->get_node(id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->state, NodeState::kUnreachable);
  EXPECT_EQ(n->last_seen_ms, 4242);
  auto events = store->list_events({});
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, EventKind::kNodeUnreachable);  // newest first
}

TEST_F(SqliteStoreTest, UnknownNode_IsNotFound) {
  auto store = open_store();
  EXPECT_EQ(store->get_node(77).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->touch_node(77, 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->set_node_state(77, NodeState::kEnrolling, NodeState::kInspecting, "", event()).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->list_events({})->empty());
}

}  // namespace bmf::coordinator
