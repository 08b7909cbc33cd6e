#include "coordinator/registry/node_registry.h"

#include <gtest/gtest.h>

#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {

class NodeRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqliteStore::open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(s).value();
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    registry_ = std::make_unique<NodeRegistry>(
        *store_, clock_, *lifecycle_, RegistryConfig{.liveness = {.heartbeat_interval_ms = 1000, .missed_heartbeats = 3},
                                        .enrollment_token = "tok"});
  }

  static RegistrationRequest request(std::string uuid, std::vector<std::string> macs) {
    RegistrationRequest r;
    r.system_uuid = std::move(uuid);
    r.macs = std::move(macs);
    r.serial = "SN";
    r.hostname = "node";
    r.enrollment_token = "tok";
    r.peer_address = "127.0.0.1:5000";
    return r;
  }

  NodeState state_of(std::uint64_t id) { return store_->get_node(id)->state; }

  testing::TempDir dir_;
  ManualClock clock_{1'000'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  std::unique_ptr<NodeRegistry> registry_;
};

TEST_F(NodeRegistryTest, NewNode_RegisteredAsEnrollingWithHashedSecret) {
  auto out = registry_->register_node(request("UUID-A", {"AA:00:00:00:00:01"}));
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_FALSE(out->matched_existing);
  EXPECT_EQ(out->node_secret.size(), 64u);
  auto node = store_->get_node(out->node_id);
  EXPECT_EQ(node->state, NodeState::kEnrolling);
  EXPECT_EQ(node->system_uuid, "uuid-a");
  EXPECT_EQ(node->macs, std::vector<std::string>{"aa:00:00:00:00:01"});
  EXPECT_EQ(node->secret_sha256.size(), 64u);
  EXPECT_NE(node->secret_sha256, out->node_secret);
}

TEST_F(NodeRegistryTest, Reboot_SameUuid_MatchedNotDuplicated) {
  auto first = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}));
  auto again = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->matched_existing);
  EXPECT_EQ(again->node_id, first->node_id);
  EXPECT_NE(again->node_secret, first->node_secret);
  EXPECT_EQ(store_->list_nodes()->size(), 1u);
  EXPECT_EQ(store_->get_node(first->node_id)->registrations, 2u);
}

TEST_F(NodeRegistryTest, UuidChangedButMacKnown_MatchedByMac) {
  // e.g. a motherboard swap or DMI reflash keeps the NICs.
  auto first = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01", "aa:00:00:00:00:02"}));
  auto again = registry_->register_node(request("uuid-new", {"aa:00:00:00:00:02"}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->node_id, first->node_id);
  EXPECT_EQ(store_->get_node(first->node_id)->system_uuid, "uuid-new");
  EXPECT_EQ(store_->list_nodes()->size(), 1u);
}

TEST_F(NodeRegistryTest, PlaceholderUuid_IgnoredAndMatchedByMac) {
  auto a = registry_->register_node(request("00000000-0000-0000-0000-000000000000", {"aa:00:00:00:00:01"}));
  auto b = registry_->register_node(request("00000000-0000-0000-0000-000000000000", {"bb:00:00:00:00:01"}));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->node_id, b->node_id);  // two machines with unset DMI stay two nodes
  auto again = registry_->register_node(request("", {"bb:00:00:00:00:01"}));
  EXPECT_EQ(again->node_id, b->node_id);
}

TEST_F(NodeRegistryTest, WrongToken_RejectedAndNothingStored) {
  auto r = request("uuid-a", {"aa:00:00:00:00:01"});
  r.enrollment_token = "nope";
  auto out = registry_->register_node(r);
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(store_->list_nodes()->empty());
}

TEST_F(NodeRegistryTest, NoIdentity_Rejected) {
  EXPECT_EQ(registry_->register_node(request("", {})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->register_node(request("u", {"not-a-mac"})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->list_nodes()->empty());
}

TEST_F(NodeRegistryTest, Liveness_EnrollingAvailableUnreachableAndBack) {
  auto id = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}))->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  EXPECT_EQ(state_of(id), NodeState::kAvailable);

  clock_.advance_ms(3000);  // exactly the limit: still fine
  EXPECT_EQ(*registry_->sweep(), 0);
  clock_.advance_ms(1);
  EXPECT_EQ(*registry_->sweep(), 1);
  EXPECT_EQ(state_of(id), NodeState::kUnreachable);
  EXPECT_EQ(*registry_->sweep(), 0);  // no repeated events

  ASSERT_TRUE(registry_->heartbeat(id).ok());
  EXPECT_EQ(state_of(id), NodeState::kAvailable);
  auto events = store_->list_events({.node_id = id});
  // registered, inspecting, available, unreachable, inspecting (heartbeats resumed), available.
  ASSERT_EQ(events->size(), 6u);
  EXPECT_EQ((*events)[0].kind, EventKind::kNodeAvailable);
  EXPECT_EQ((*events)[1].kind, EventKind::kNodeInspecting);
  EXPECT_EQ((*events)[1].message, "unreachable -> inspecting: heartbeats resumed");
  EXPECT_EQ((*events)[2].kind, EventKind::kNodeUnreachable);
  EXPECT_EQ((*events)[5].kind, EventKind::kNodeRegistered);
}

TEST_F(NodeRegistryTest, SteadyHeartbeats_JudgedFromMemory_WrittenWhenTheDatabaseCopyIsAMinuteBehind) {
  auto id = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}))->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());  // enrolling -> available: written at once
  ASSERT_EQ(state_of(id), NodeState::kAvailable);
  const EpochMs first = store_->get_node(id)->last_seen_ms;
  clock_.advance_ms(2500);
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  EXPECT_EQ(store_->get_node(id)->last_seen_ms, first) << "a steady node's heartbeat is kept in memory";
  EXPECT_EQ(registry_->last_seen(id), first + 2500);
  ASSERT_TRUE(registry_->flush().ok());
  EXPECT_EQ(store_->get_node(id)->last_seen_ms, first) << "2.5 s behind: not worth a write yet";
  // Heartbeats every 2 s (limit 3 s) for 70 s: never unreachable, though the database's copy
  // moved only once a minute.
  int writes = 0;
  EpochMs written = first;
  for (int i = 0; i < 35; ++i) {
    clock_.advance_ms(2000);
    ASSERT_TRUE(registry_->heartbeat(id).ok());
    EXPECT_EQ(*registry_->sweep(), 0) << "after " << (i + 1) * 2 << " s";
    const EpochMs now_written = store_->get_node(id)->last_seen_ms;
    if (now_written != written) ++writes, written = now_written;
  }
  EXPECT_EQ(state_of(id), NodeState::kAvailable);
  EXPECT_EQ(writes, 1) << "one write in 70 s (at 60 s behind)";
  // Shutdown writes every kept heartbeat.
  ASSERT_TRUE(registry_->flush(true).ok());
  EXPECT_EQ(store_->get_node(id)->last_seen_ms, *registry_->last_seen(id));
  // A node that stops: the sweep judges from its last heartbeat in memory.
  clock_.advance_ms(3001);
  EXPECT_EQ(*registry_->sweep(), 1);
  EXPECT_EQ(state_of(id), NodeState::kUnreachable);
  EXPECT_EQ(registry_->last_seen(id), std::nullopt);
}

TEST_F(NodeRegistryTest, SteadyNodeKeptInMemory_LeavesItWhenUnreachableOrWhenItRegistersAgain) {
  auto id = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}))->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());  // enrolling -> available
  ASSERT_TRUE(registry_->heartbeat(id).ok());  // steady: from now on no database read
  clock_.advance_ms(3001);
  ASSERT_EQ(*registry_->sweep(), 1);
  ASSERT_EQ(state_of(id), NodeState::kUnreachable);
  // Its heartbeats resume: the registry reads the node again (it is not steady any more).
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  EXPECT_EQ(state_of(id), NodeState::kAvailable);
  EXPECT_EQ((*store_->list_events({.node_id = id}))[1].message, "unreachable -> inspecting: heartbeats resumed");
  ASSERT_TRUE(registry_->heartbeat(id).ok());  // steady again
  // bmf powered it off (its session ends with the power); it boots and registers again.
  ASSERT_TRUE(store_->set_power_state(id, PowerState::kOff, clock_.now_ms(), std::nullopt).ok());
  ASSERT_TRUE(registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"})).ok());
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  EXPECT_EQ(store_->get_node(id)->power_state, PowerState::kOn) << "the new session's heartbeat read the node";
}

TEST_F(NodeRegistryTest, CoordinatorRestart_GraceCountsFromStart) {
  auto id = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}))->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  clock_.advance_ms(60'000);  // the coordinator was down for a minute
  NodeRegistry restarted(*store_, clock_, *lifecycle_, RegistryConfig{.liveness = {1000, 3}});
  EXPECT_EQ(*restarted.sweep(), 0);
  clock_.advance_ms(3001);
  EXPECT_EQ(*restarted.sweep(), 1);
}

TEST_F(NodeRegistryTest, HeartbeatForUnknownNode_NotFound) {
  EXPECT_EQ(registry_->heartbeat(99).code(), StatusCode::kNotFound);
}

}  // namespace bmf::coordinator

namespace bmf::coordinator {

TEST_F(NodeRegistryTest, Inspection_BadInventoryGoesToMaintenanceWithTheReason) {
  auto req = request("uuid-a", {"aa:00:00:00:00:01"});
  req.hardware_json = R"({"cpu":{"threads":8}})";  // hardware reported, but no NIC
  auto id = registry_->register_node(req)->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  auto n = store_->get_node(id);
  EXPECT_EQ(n->state, NodeState::kMaintenance);
  EXPECT_EQ(n->state_reason, "inspection: the inventory reports no network interface");
}

TEST_F(NodeRegistryTest, Reregistration_KeepsTheLifecycleState) {
  auto id = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}))->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  ASSERT_TRUE(lifecycle_->transition(id, NodeState::kMaintenance, "bios update", "admin:ops").ok());
  ASSERT_TRUE(registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"})).ok());
  EXPECT_EQ(state_of(id), NodeState::kMaintenance) << "a reboot does not take a node out of maintenance";
  EXPECT_EQ(store_->get_node(id)->power_state, PowerState::kOn);
}

TEST_F(NodeRegistryTest, Sweep_SparesPoweredOffAndLeasedNodes_AndGivesBootingNodesTheBootTimeout) {
  RegistryConfig cfg{.liveness = {.heartbeat_interval_ms = 1000, .missed_heartbeats = 3, .boot_timeout_ms = 20'000},
                     .enrollment_token = "tok"};
  NodeRegistry registry(*store_, clock_, *lifecycle_, cfg);
  auto off = registry.register_node(request("uuid-off", {"aa:00:00:00:00:01"}))->node_id;
  auto leased = registry.register_node(request("uuid-leased", {"aa:00:00:00:00:02"}))->node_id;
  auto booting = registry.register_node(request("uuid-boot", {"aa:00:00:00:00:03"}))->node_id;
  for (auto id : {off, leased, booting}) ASSERT_TRUE(registry.heartbeat(id).ok());
  ASSERT_TRUE(store_->set_power_state(off, PowerState::kOff, clock_.now_ms(), std::nullopt).ok());
  ProjectRecord p{.name = "team-a"};
  ASSERT_TRUE(store_->create_project(p, {.kind = EventKind::kProjectCreated}).ok());
  LeaseRecord lease{.node_id = leased, .project = "team-a"};
  ASSERT_TRUE(store_->create_lease(lease, {.kind = EventKind::kLeaseStarted}).ok());
  clock_.advance_ms(1000);
  ASSERT_TRUE(store_->set_power_state(booting, PowerState::kOn, clock_.now_ms(), std::nullopt).ok());  // bmf powered it on
  clock_.advance_ms(10'000);
  EXPECT_EQ(*registry.sweep(), 0) << "off: not expected to heartbeat; leased: the tenant's; booting: within 20 s";
  clock_.advance_ms(10'001);
  EXPECT_EQ(*registry.sweep(), 1);
  EXPECT_EQ(state_of(booting), NodeState::kUnreachable);
  EXPECT_NE(store_->get_node(booting)->state_reason.find("after power-on (boot timeout 20000 ms)"), std::string::npos);
  EXPECT_EQ(state_of(off), NodeState::kAvailable);
  EXPECT_EQ(state_of(leased), NodeState::kActive);
}

}  // namespace bmf::coordinator
