// NetworkService against a real SQLite store and a recording switch applier (the
// NETCONF side is tested against real netconfd switches in tests/integration).
#include "coordinator/networks/network_service.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto/inventory.pb.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::StatusIs;

class RecordingApplier : public SwitchApplier {
 public:
  void apply(std::vector<SwitchWork> work, std::string, std::function<void(ApplyOutcome)> done) override {
    calls.push_back(work);
    if (hold) {
      held.push_back(std::move(done));
      return;
    }
    ApplyOutcome out;
    out.committed = fail_switch.empty();
    if (!out.committed) {
      out.failed_switch = fail_switch;
      out.failure = Status(StatusCode::kAborted, "commit refused");
    }
    done(out);
  }
  std::vector<std::vector<SwitchWork>> calls;
  std::string fail_switch;
  // hold: the switches' answer waits until release() (operations queue meanwhile).
  bool hold = false;
  std::vector<std::function<void(ApplyOutcome)>> held;
  void release_one(bool committed = true) {
    auto done = std::move(held.front());
    held.erase(held.begin());
    ApplyOutcome out;
    out.committed = committed;
    if (!committed) {
      out.failed_switch = "leaf-1";
      out.failure = Status(StatusCode::kAborted, "commit refused");
    }
    done(out);
  }
};

class NetworkServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    tenancy_ = std::make_unique<TenancyService>(*store_, clock_, TenancyConfig{.password_iterations = 10'000});
    admin_ = *tenancy_->authenticate_token(tenancy_->bootstrap_admin("root")->secret);
    service_ = std::make_unique<NetworkService>(*store_, clock_, applier_, NetworkConfig{.pool_first = 100, .pool_last = 102});
    for (auto p : {"team-a", "team-b"}) ASSERT_TRUE(tenancy_->add_project(admin_, p, -1, 2).ok());
    for (auto [u, p] : {std::pair{"alice", "team-a"}, std::pair{"bob", "team-b"}}) {
      ASSERT_TRUE(tenancy_->add_user(admin_, u, UserRole::kMember, "").ok());
      ASSERT_TRUE(tenancy_->add_member(admin_, u, p).ok());
    }
    alice_ = *tenancy_->authenticate_token(tenancy_->create_token(admin_, "alice", "", 0)->secret);
    bob_ = *tenancy_->authenticate_token(tenancy_->create_token(admin_, "bob", "", 0)->secret);
    ASSERT_TRUE(store_->save_switch({.name = "leaf-1", .address = "127.0.0.1", .username = "u", .known_hosts_file = "k",
                                     .parking_vlan = 20}, {.kind = EventKind::kSwitchSaved}).ok());
    node_a_ = add_node("a", {{"eth0", "leaf-1", "Ethernet1"}, {"eth1", "LEAF-1", "Ethernet2"}, {"eth2", "", ""}});
    node_b_ = add_node("b", {{"eth0", "leaf-1", "Ethernet3"}});
    lease(node_a_, "team-a");
    lease(node_b_, "team-b");
  }

  std::uint64_t add_node(const std::string& name, std::vector<std::array<std::string, 3>> nics) {
    proto::Inventory inv;
    int i = 0;
    for (const auto& [nic, sw, port] : nics) {
      auto* n = inv.add_nics();
      n->set_name(nic);
      n->set_mac(fmt::format("02:00:00:00:{:02x}:{:02x}", name[0], i++));
      if (!sw.empty()) {
        n->mutable_lldp()->set_system_name(sw);
        n->mutable_lldp()->set_port_id(port);
        n->mutable_lldp()->set_port_id_subtype("ifname");
      }
    }
    NodeRecord node;
    node.hostname = name;
    node.system_uuid = "uuid-" + name;
    node.hardware_json = to_json(inv);
    node.state = NodeState::kAvailable;
    EXPECT_TRUE(store_->save_node(node, {.kind = EventKind::kNodeRegistered}).ok());
    return node.id;
  }
  void lease(std::uint64_t node, const std::string& project) {
    LeaseRecord l{.node_id = node, .project = project};
    ASSERT_TRUE(store_->create_lease(l, {.kind = EventKind::kLeaseStarted}).ok());
  }

  testing::TempDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<TenancyService> tenancy_;
  RecordingApplier applier_;
  std::unique_ptr<NetworkService> service_;
  Principal admin_, alice_, bob_;
  std::uint64_t node_a_ = 0, node_b_ = 0;
};

TEST_F(NetworkServiceTest, Create_TakesPoolVlansExactlyAndQuotaAndPoolEndAreClear) {
  auto n1 = service_->create(alice_, "team-a", "frontend");
  auto n2 = service_->create(bob_, "team-b", "frontend");
  ASSERT_TRUE(n1.ok() && n2.ok());
  EXPECT_EQ(n1->vlan, 100);
  EXPECT_EQ(n2->vlan, 101) << "one VLAN never belongs to two networks";
  EXPECT_THAT(service_->create(alice_, "team-a", "frontend").status(), StatusIs(StatusCode::kAlreadyExists));
  ASSERT_TRUE(service_->create(alice_, "team-a", "rail-1").ok());
  auto over = service_->create(alice_, "team-a", "rail-2");
  EXPECT_THAT(over.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(over.status().message().find("quota 'networks' of project team-a is 2 and 2 are in use"), std::string::npos)
      << over.status().message();
  auto exhausted = service_->create(bob_, "team-b", "rail-1");
  EXPECT_THAT(exhausted.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(exhausted.status().message().find("pool 100-102 is exhausted"), std::string::npos);
  ASSERT_TRUE(service_->remove(bob_, "frontend", "").ok());
  auto reused = service_->create(bob_, "team-b", "rail-1");
  ASSERT_TRUE(reused.ok());
  EXPECT_EQ(reused->vlan, 101) << "a deleted network's VLAN returns to the pool";
}

TEST_F(NetworkServiceTest, Visibility_AnotherTenantsNetworkIsNotFound) {
  auto a = service_->create(alice_, "team-a", "frontend");
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(service_->find(bob_, std::to_string(a->id), "").status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(service_->find(bob_, "frontend", "team-a").status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(service_->remove(bob_, std::to_string(a->id), ""), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(service_->create(bob_, "team-a", "x").status(), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(service_->list(bob_)->empty());
  EXPECT_EQ(service_->list(admin_)->size(), 1u);
}

TEST_F(NetworkServiceTest, Import_OutsideThePoolAndSharedOnlyWithNamedProjects) {
  EXPECT_THAT(service_->import(admin_, "bad", 101, {}).status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(service_->import(admin_, "bad", 5000, {}).status(), StatusIs(StatusCode::kInvalidArgument));
  auto storage = service_->import(admin_, "storage", 30, {"team-a"});
  ASSERT_TRUE(storage.ok()) << storage.status().to_string();
  EXPECT_THAT(service_->import(admin_, "storage2", 30, {}).status(), StatusIs(StatusCode::kAlreadyExists));
  EXPECT_TRUE(service_->find(alice_, "storage", "").ok());
  EXPECT_THAT(service_->find(bob_, "storage", "").status(), StatusIs(StatusCode::kNotFound));
  auto op = service_->attach(bob_, {.node_id = node_b_, .nic = "eth0", .network = "storage"});
  EXPECT_THAT(op.status(), StatusIs(StatusCode::kNotFound));
  op = service_->attach(alice_, {.node_id = node_a_, .nic = "eth0", .network = "storage"});
  ASSERT_TRUE(op.ok()) << op.status().to_string();
  EXPECT_EQ(op->state, "succeeded");
}

TEST_F(NetworkServiceTest, Attach_OneOperationAllPortsThenDatabase) {
  ASSERT_TRUE(service_->create(alice_, "team-a", "frontend").ok());
  ASSERT_TRUE(service_->create(alice_, "team-a", "rail-1").ok());
  auto op = service_->attach_many(alice_, {{.node_id = node_a_, .nic = "eth0", .network = "frontend"},
                                           {.node_id = node_a_, .nic = "02:00:00:00:61:01", .network = "rail-1", .trunk = true}});
  ASSERT_TRUE(op.ok()) << op.status().to_string();
  EXPECT_EQ(op->state, "succeeded") << op->message;
  ASSERT_EQ(applier_.calls.size(), 1u) << "one operation, one transaction";
  EXPECT_EQ(applier_.calls[0][0].changes.ports.size(), 2u);
  EXPECT_EQ(store_->list_attachments()->size(), 2u);
  auto rows = *store_->list_switch_ports("leaf-1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].access_vlan, 100);
  EXPECT_EQ(rows[1].mode, "trunk");
  // Detach one: only that port moves, back to provisioning; the rail VLAN goes away.
  auto detach = service_->detach(alice_, {.node_id = node_a_, .nic = "eth1"});
  ASSERT_TRUE(detach.ok()) << detach.status().to_string();
  EXPECT_EQ(detach->state, "succeeded");
  EXPECT_EQ(applier_.calls[1][0].changes.ports.at("Ethernet2").access_vlan, 20);
  EXPECT_EQ(applier_.calls[1][0].changes.remove_vlans, (std::vector<std::uint16_t>{101}));
}

TEST_F(NetworkServiceTest, QueuedOperationsOnDisjointPorts_GoToTheSwitchTogether_EachCommitsItsOwn) {
  ASSERT_TRUE(service_->create(alice_, "team-a", "frontend").ok());
  ASSERT_TRUE(service_->create(bob_, "team-b", "backend").ok());
  ASSERT_TRUE(service_->create(alice_, "team-a", "rail").ok());
  applier_.hold = true;
  auto first = service_->attach(alice_, {.node_id = node_a_, .nic = "eth0", .network = "frontend"});
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  // While the switch works on the first, three more come: two on other ports, and one on the NIC of
  // one of those two (it must build on that one's result, so it cannot share its round).
  auto b = service_->attach(bob_, {.node_id = node_b_, .nic = "eth0", .network = "backend"});
  auto a1 = service_->attach(alice_, {.node_id = node_a_, .nic = "eth1", .network = "frontend"});
  auto again = service_->attach(alice_, {.node_id = node_a_, .nic = "eth1", .network = "rail", .trunk = true});
  ASSERT_TRUE(b.ok() && a1.ok() && again.ok()) << b.status().to_string() << a1.status().to_string() << again.status().to_string();
  EXPECT_EQ(b->state, "pending");
  EXPECT_EQ(service_->queued(), 4u);
  ASSERT_EQ(applier_.calls.size(), 1u);

  applier_.release_one();
  ASSERT_EQ(applier_.calls.size(), 2u) << "the next round went out";
  const auto& batch = applier_.calls[1][0].changes.ports;
  EXPECT_EQ(batch.size(), 2u) << "bob's port and alice's second port in one transaction";
  EXPECT_TRUE(batch.count("Ethernet3") && batch.count("Ethernet2"));
  EXPECT_EQ(batch.at("Ethernet3").access_vlan, 101);
  EXPECT_EQ(batch.at("Ethernet2").access_vlan, 100);
  applier_.release_one();
  ASSERT_EQ(applier_.calls.size(), 3u) << "the trunk touches a batched NIC: it waited for its own round, built on it";
  EXPECT_EQ(applier_.calls[2][0].changes.ports.size(), 1u);
  EXPECT_EQ(applier_.calls[2][0].changes.ports.at("Ethernet2").native_vlan, 100);
  EXPECT_EQ(applier_.calls[2][0].changes.ports.at("Ethernet2").trunk_vlans, (std::vector<std::uint16_t>{102}));
  applier_.release_one();
  for (auto id : {first->id, b->id, a1->id, again->id}) EXPECT_EQ(service_->operation(admin_, id)->state, "succeeded") << id;
  EXPECT_EQ(store_->list_attachments()->size(), 4u);
  auto rows = *store_->list_switch_ports("leaf-1");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(service_->queued(), 0u);
}

TEST_F(NetworkServiceTest, ASwitchRefusingABatch_FailsEachOfItsOperations_NothingWritten) {
  ASSERT_TRUE(service_->create(alice_, "team-a", "frontend").ok());
  ASSERT_TRUE(service_->create(bob_, "team-b", "backend").ok());
  applier_.hold = true;
  auto first = service_->attach(alice_, {.node_id = node_a_, .nic = "eth0", .network = "frontend"});
  auto b = service_->attach(bob_, {.node_id = node_b_, .nic = "eth0", .network = "backend"});
  auto a1 = service_->attach(alice_, {.node_id = node_a_, .nic = "eth1", .network = "frontend"});
  ASSERT_TRUE(first.ok() && b.ok() && a1.ok());
  applier_.release_one();
  applier_.release_one(false);
  EXPECT_EQ(service_->operation(admin_, first->id)->state, "succeeded");
  for (auto id : {b->id, a1->id}) {
    auto op = service_->operation(admin_, id);
    EXPECT_EQ(op->state, "failed");
    EXPECT_NE(op->message.find("switch leaf-1 failed"), std::string::npos) << op->message;
  }
  EXPECT_EQ(store_->list_attachments()->size(), 1u) << "only the first's";
}

TEST_F(NetworkServiceTest, Attach_SwitchFailure_DatabaseUnchangedAndOperationSaysWhere) {
  ASSERT_TRUE(service_->create(alice_, "team-a", "frontend").ok());
  applier_.fail_switch = "leaf-1";
  auto op = service_->attach(alice_, {.node_id = node_a_, .nic = "eth0", .network = "frontend"});
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->state, "failed");
  EXPECT_NE(op->message.find("switch leaf-1 failed"), std::string::npos) << op->message;
  EXPECT_TRUE(store_->list_attachments()->empty());
  EXPECT_TRUE(store_->list_switch_ports("leaf-1")->empty());
  auto read = service_->operation(alice_, op->id);
  EXPECT_EQ(read->state, "failed");
  EXPECT_THAT(service_->operation(bob_, op->id).status(), StatusIs(StatusCode::kNotFound));
}

TEST_F(NetworkServiceTest, Attach_BadRequestsAreClearAndChangeNothing) {
  ASSERT_TRUE(service_->create(alice_, "team-a", "frontend").ok());
  auto b_net = service_->create(bob_, "team-b", "b-net");
  ASSERT_TRUE(b_net.ok());
  struct Case { Principal who; AttachRequest req; StatusCode code; std::string says; };
  std::vector<Case> cases{
      {alice_, {.node_id = node_b_, .nic = "eth0", .network = "frontend"}, StatusCode::kNotFound, "node"},
      {alice_, {.node_id = node_a_, .nic = "eth9", .network = "frontend"}, StatusCode::kNotFound, "no NIC 'eth9' (it has: eth0, eth1, eth2)"},
      {alice_, {.node_id = node_a_, .nic = "eth2", .network = "frontend"}, StatusCode::kFailedPrecondition, "no known switch port"},
      {alice_, {.node_id = node_a_, .nic = "eth0", .network = "b-net"}, StatusCode::kNotFound, "network b-net"},
      {admin_, {.node_id = node_a_, .nic = "eth0", .network = std::to_string(b_net->id), .project = "team-a"}, StatusCode::kFailedPrecondition, "not usable"},
      {alice_, {.node_id = node_a_, .nic = "eth0", .network = "frontend", .native = "frontend"}, StatusCode::kInvalidArgument, "--native"},
  };
  for (const auto& c : cases) {
    auto op = service_->attach(c.who, c.req);
    EXPECT_THAT(op.status(), StatusIs(c.code)) << c.says;
    EXPECT_NE(op.status().message().find(c.says), std::string::npos) << op.status().message();
  }
  EXPECT_TRUE(applier_.calls.empty());
  // An unleased node is refused even for an admin.
  LeaseList leases = *store_->list_leases(true);
  ASSERT_TRUE(store_->end_lease(leases.leases[0].id, clock_.now_ms(), {.kind = EventKind::kLeaseEnded}).ok());
  EXPECT_THAT(service_->attach(admin_, {.node_id = node_a_, .nic = "eth0", .network = "frontend"}).status(),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(NetworkServiceTest, ReleaseNode_AllNicsBackToProvisioningAndNetworkDeletable) {
  auto net = service_->create(alice_, "team-a", "frontend");
  ASSERT_TRUE(service_->attach(alice_, {.node_id = node_a_, .nic = "eth0", .network = "frontend"}).ok());
  EXPECT_THAT(service_->remove(alice_, "frontend", ""), StatusIs(StatusCode::kFailedPrecondition));
  auto op = service_->release_node("coordinator", node_a_);
  ASSERT_TRUE(op.ok() && op->has_value());
  EXPECT_EQ((*op)->state, "succeeded");
  EXPECT_EQ(applier_.calls.back()[0].changes.ports.at("Ethernet1").access_vlan, 20);
  EXPECT_TRUE(store_->list_attachments()->empty());
  EXPECT_TRUE(service_->remove(alice_, "frontend", "").ok());
  EXPECT_FALSE(service_->release_node("coordinator", node_a_)->has_value()) << "nothing attached: no operation";
}

TEST_F(NetworkServiceTest, Lldp_MatchedByChassisIdWhenTheSystemNameIsNotTheSwitchsName) {
  ASSERT_TRUE(store_->save_switch({.name = "spine-7", .address = "127.0.0.1", .username = "u", .known_hosts_file = "k",
                                   .lldp_chassis_id = "0C:29:EF:00:00:07"}, {.kind = EventKind::kSwitchSaved}).ok());
  proto::Inventory inv;
  auto* n = inv.add_nics();
  n->set_name("eth0");
  n->set_mac("02:00:00:00:77:01");
  n->mutable_lldp()->set_system_name("sw-rack7.example.net");
  n->mutable_lldp()->set_chassis_id("0c:29:ef:00:00:07");
  n->mutable_lldp()->set_port_id("Ethernet12");
  NodeRecord node;
  node.hostname = "c";
  node.system_uuid = "uuid-c";
  node.hardware_json = to_json(inv);
  ASSERT_TRUE(store_->save_node(node, {.kind = EventKind::kNodeRegistered}).ok());
  auto port = service_->nic_port(node.id, "eth0");
  ASSERT_TRUE(port.ok()) << port.status().to_string();
  EXPECT_EQ(port->switch_name, "spine-7");
  EXPECT_EQ(port->port, "Ethernet12");
}

TEST_F(NetworkServiceTest, PortMap_OverridesLldp) {
  ASSERT_TRUE(service_->create(alice_, "team-a", "frontend").ok());
  ASSERT_TRUE(service_->set_port(admin_, node_a_, "eth2", "leaf-1", "Ethernet7").ok());
  auto op = service_->attach(alice_, {.node_id = node_a_, .nic = "eth2", .network = "frontend"});
  ASSERT_TRUE(op.ok()) << op.status().to_string();
  EXPECT_TRUE(applier_.calls.back()[0].changes.ports.count("Ethernet7"));
  EXPECT_THAT(service_->set_port(admin_, node_a_, "eth2", "spine-9", "Ethernet1"), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace bmf::coordinator
