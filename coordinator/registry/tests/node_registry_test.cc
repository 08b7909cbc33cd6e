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
    registry_ = std::make_unique<NodeRegistry>(
        *store_, clock_, RegistryConfig{.liveness = {.heartbeat_interval_ms = 1000, .missed_heartbeats = 3},
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
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].kind, "NODE_AVAILABLE");
  EXPECT_EQ((*events)[0].message, "heartbeats resumed");
  EXPECT_EQ((*events)[1].kind, "NODE_UNREACHABLE");
  EXPECT_EQ((*events)[3].kind, "NODE_REGISTERED");
}

TEST_F(NodeRegistryTest, CoordinatorRestart_GraceCountsFromStart) {
  auto id = registry_->register_node(request("uuid-a", {"aa:00:00:00:00:01"}))->node_id;
  ASSERT_TRUE(registry_->heartbeat(id).ok());
  clock_.advance_ms(60'000);  // the coordinator was down for a minute
  NodeRegistry restarted(*store_, clock_, RegistryConfig{.liveness = {1000, 3}});
  EXPECT_EQ(*restarted.sweep(), 0);
  clock_.advance_ms(3001);
  EXPECT_EQ(*restarted.sweep(), 1);
}

TEST_F(NodeRegistryTest, HeartbeatForUnknownNode_NotFound) {
  EXPECT_EQ(registry_->heartbeat(99).code(), StatusCode::kNotFound);
}

}  // namespace bmf::coordinator
