// CleaningService over a real store and network service (a recording switch applier),
// a fake power driver and fake agents: each step, each failure, and a restart mid-way.
#include "coordinator/lifecycle/cleaning_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto/agent.pb.h"
#include "common/proto/inventory.pb.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/fake_agents.h"
#include "tests/support/fake_power.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::IsOk;
using ::testing::HasSubstr;

class ImmediateApplier : public SwitchApplier {
 public:
  void apply(std::vector<SwitchWork> work, std::string, std::function<void(ApplyOutcome)> done) override {
    ++calls;
    if (fail) return done(ApplyOutcome{.committed = false, .failed_switch = "leaf-1", .failure = unavailable("commit refused")});
    done(ApplyOutcome{.committed = true});
  }
  int calls = 0;
  bool fail = false;
};

class CleaningServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    networks_ = std::make_unique<NetworkService>(*store_, clock_, applier_, NetworkConfig{.pool_first = 100, .pool_last = 199});
    ProjectRecord p{.name = "team-a"};
    ASSERT_THAT(store_->create_project(p, {.kind = EventKind::kProjectCreated}), IsOk());
  }
  void make_service(CleaningConfig cfg, bool with_power = true) {
    cleaning_ = std::make_unique<CleaningService>(*store_, clock_, *lifecycle_, *networks_, with_power ? &power_ : nullptr, &agents_,
                                                  cfg);
  }
  // A node with two disks (one USB), leased to team-a and released: it is "releasing".
  std::uint64_t released_node(const std::string& name) {
    proto::Inventory inv;
    for (auto [disk, transport] : {std::pair{"nvme0n1", "nvme"}, std::pair{"sda", "usb"}}) {
      auto* d = inv.add_disks();
      d->set_name(disk);
      d->set_transport(transport);
    }
    NodeRecord n;
    n.system_uuid = "uuid-" + name;
    n.hostname = name;
    n.state = NodeState::kAvailable;
    n.hardware_json = to_json(inv);
    EXPECT_THAT(store_->save_node(n, {.kind = EventKind::kNodeRegistered}), IsOk());
    LeaseRecord lease{.node_id = n.id, .project = "team-a"};
    EXPECT_THAT(store_->create_lease(lease, {.kind = EventKind::kLeaseStarted}), IsOk());
    EXPECT_TRUE(store_->end_lease(lease.id, clock_.now_ms(), {.kind = EventKind::kLeaseEnded}).ok());
    EXPECT_EQ(state_of(n.id), NodeState::kReleasing);
    return n.id;
  }
  NodeState state_of(std::uint64_t id) { return store_->get_node(id)->state; }
  std::vector<std::string> steps() const {
    std::vector<std::string> out;
    for (const auto& p : seen_) out.push_back(fmt::format("{}:{}:{}", p.node, p.step, p.ok ? "ok" : "failed"));
    return out;
  }
  CleaningService::Listener listener() {
    return [this](const CleaningProgress& p) { seen_.push_back(p); };
  }

  bmf::testing::TempDir dir_;
  ManualClock clock_{1'000'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  ImmediateApplier applier_;
  std::unique_ptr<NetworkService> networks_;
  bmf::testing::FakePower power_;
  bmf::testing::FakeAgents agents_;
  std::unique_ptr<CleaningService> cleaning_;
  std::vector<CleaningProgress> seen_;
};

TEST_F(CleaningServiceTest, FullPath_PortsPowerCycleRegistrationWipeAvailable) {
  make_service({.wipe = "discard"});
  const auto a = released_node("a");
  cleaning_->release({a}, "user:alice", listener());
  EXPECT_EQ(state_of(a), NodeState::kCleaning) << "ports are back (nothing attached): cleaning";
  ASSERT_EQ(power_.pending.size(), 1u);
  EXPECT_EQ(power_.pending[0].action, PowerAction::kPxeCycle);
  power_.complete_all();
  EXPECT_EQ(agents_.count("wipe"), 0u) << "not before the agent is back from the discovery image";
  agents_.registers(a);
  ASSERT_EQ(agents_.count("wipe"), 1u);
  proto::WipeCommand cmd;
  ASSERT_TRUE(cmd.ParseFromString(agents_.sent.back().payload));
  EXPECT_EQ(cmd.mode(), "discard");
  ASSERT_EQ(cmd.devices_size(), 1);
  EXPECT_EQ(cmd.devices(0), "/dev/nvme0n1") << "the USB stick is not wiped";
  EXPECT_EQ(state_of(a), NodeState::kCleaning);
  agents_.finish(a, "wipe", true, "1 device(s), 3.5 GiB, verified zero in 80 ms");
  EXPECT_EQ(state_of(a), NodeState::kAvailable);
  EXPECT_THAT(store_->get_node(a)->state_reason, HasSubstr("verified zero"));
  EXPECT_EQ(steps(), (std::vector<std::string>{fmt::format("{}:ports:ok", a), fmt::format("{}:power:ok", a),
                                               fmt::format("{}:booted:ok", a), fmt::format("{}:wiped:ok", a),
                                               fmt::format("{}:available:ok", a)}));
  EXPECT_FALSE(cleaning_->busy(a));
}

TEST_F(CleaningServiceTest, WipeFailure_Maintenance_WithTheAgentsWords) {
  make_service({.wipe = "zero"});
  const auto a = released_node("a");
  cleaning_->release({a}, "user:alice", listener());
  power_.complete_all();
  agents_.registers(a);
  agents_.finish(a, "wipe", false, "/dev/nvme0n1: in use (mounted or claimed); not wiped");
  EXPECT_EQ(state_of(a), NodeState::kMaintenance);
  EXPECT_EQ(store_->get_node(a)->state_reason, "wipe failed: /dev/nvme0n1: in use (mounted or claimed); not wiped");
  EXPECT_EQ(seen_.back().step, "maintenance");
}

TEST_F(CleaningServiceTest, PowerFailureAndBootTimeout_Maintenance) {
  make_service({.wipe = "discard", .boot_timeout_ms = 60'000});
  const auto a = released_node("a");
  const auto b = released_node("b");
  cleaning_->release({a, b}, "user:alice", listener());
  EXPECT_EQ(applier_.calls, 0) << "no ports attached: no switch call";
  ASSERT_EQ(power_.pending.size(), 2u);
  auto calls = std::move(power_.pending);
  power_.pending.clear();
  calls[0].done(PowerOutcome{.status = unavailable("reading the power state failed: HTTP 503")});
  calls[1].done(PowerOutcome{.status = ok_status(), .state = PowerState::kOn});
  EXPECT_EQ(state_of(a), NodeState::kMaintenance);
  EXPECT_THAT(store_->get_node(a)->state_reason, HasSubstr("power cycle into discovery failed: reading the power state failed"));
  clock_.advance_ms(60'001);
  cleaning_->reconcile();
  EXPECT_EQ(state_of(b), NodeState::kMaintenance);
  EXPECT_EQ(store_->get_node(b)->state_reason, "no agent registered from the discovery image within 60 s");
}

TEST_F(CleaningServiceTest, SwitchRefusesThePortRollback_MaintenanceNotAvailable) {
  make_service({.wipe = "off"});
  // A node with a NIC on a tenant network, so that releasing it needs a switch change.
  proto::Inventory inv;
  auto* nic = inv.add_nics();
  nic->set_name("eth0");
  nic->set_mac("02:00:00:00:00:01");
  nic->mutable_lldp()->set_system_name("leaf-1");
  nic->mutable_lldp()->set_port_id("Ethernet1");
  SwitchRecord sw{.name = "leaf-1", .address = "127.0.0.1", .parking_vlan = 0};
  ASSERT_THAT(store_->save_switch(sw, {.kind = EventKind::kSwitchSaved}), IsOk());
  NodeRecord n;
  n.system_uuid = "uuid-n";
  n.state = NodeState::kAvailable;
  n.hardware_json = to_json(inv);
  ASSERT_THAT(store_->save_node(n, {.kind = EventKind::kNodeRegistered}), IsOk());
  LeaseRecord lease{.node_id = n.id, .project = "team-a"};
  ASSERT_THAT(store_->create_lease(lease, {.kind = EventKind::kLeaseStarted}), IsOk());
  const Principal admin{.name = "root", .role = UserRole::kAdmin};
  auto net = networks_->create(admin, "team-a", "frontend");
  ASSERT_TRUE(net.ok()) << net.status().to_string();
  auto op = networks_->attach(admin, {.node_id = n.id, .nic = "eth0", .network = "frontend", .project = "team-a"});
  ASSERT_TRUE(op.ok()) << op.status().to_string();
  ASSERT_EQ(store_->list_attachments()->size(), 1u);
  ASSERT_TRUE(store_->end_lease(lease.id, clock_.now_ms(), {.kind = EventKind::kLeaseEnded}).ok());
  applier_.fail = true;
  cleaning_->release({n.id}, "user:alice", listener());
  EXPECT_EQ(state_of(n.id), NodeState::kMaintenance);
  EXPECT_THAT(store_->get_node(n.id)->state_reason, HasSubstr("could not go back to the provisioning network"));
  EXPECT_EQ(store_->list_attachments()->size(), 1u) << "the database still says where the port is";
}

TEST_F(CleaningServiceTest, Restart_ReconcileResumesReleasingAndCleaningNodes) {
  make_service({.wipe = "discard"});
  const auto a = released_node("a");  // releasing: the old process died before the ports step
  const auto b = released_node("b");
  ASSERT_THAT(lifecycle_->transition(b, NodeState::kCleaning, "ports done", "coordinator"), IsOk());  // died mid-cleaning
  // A new process: fresh services find both in the database.
  cleaning_.reset();
  agents_.listeners.clear();
  networks_ = std::make_unique<NetworkService>(*store_, clock_, applier_, NetworkConfig{.pool_first = 100, .pool_last = 199});
  make_service({.wipe = "discard"});
  cleaning_->reconcile();
  EXPECT_TRUE(cleaning_->busy(a));
  EXPECT_TRUE(cleaning_->busy(b));
  EXPECT_EQ(power_.pending.size(), 2u) << "both are power-cycled again (idempotent)";
  power_.complete_all();
  agents_.registers(a);
  agents_.registers(b);
  agents_.finish(a, "wipe", true);
  agents_.finish(b, "wipe", true);
  EXPECT_EQ(state_of(a), NodeState::kAvailable);
  EXPECT_EQ(state_of(b), NodeState::kAvailable);
  cleaning_->reconcile();
  EXPECT_EQ(cleaning_->in_progress(), 0u);
}

TEST_F(CleaningServiceTest, NoBmcProxyAndWipeOff_StraightBackToAvailable) {
  make_service({.wipe = "off"}, /*with_power=*/false);
  const auto a = released_node("a");
  cleaning_->release({a}, "user:alice", listener());
  EXPECT_EQ(state_of(a), NodeState::kAvailable);
  EXPECT_THAT(seen_[1].detail, HasSubstr("no BMC proxy configured"));
  EXPECT_THAT(store_->get_node(a)->state_reason, HasSubstr("wipe off"));
}

}  // namespace
}  // namespace bmf::coordinator

namespace bmf::coordinator {
namespace {

TEST_F(CleaningServiceTest, AgentBackBeforeTheBmcAnswers_StillCountsAsBooted) {
  make_service({.wipe = "off"});
  const auto a = released_node("a");
  cleaning_->release({a}, "user:alice", listener());
  agents_.registers(a);  // a fast reboot: the agent is back while the read-back is still polling
  EXPECT_EQ(state_of(a), NodeState::kCleaning);
  power_.complete_all();
  EXPECT_EQ(state_of(a), NodeState::kAvailable);
}

}  // namespace
}  // namespace bmf::coordinator
