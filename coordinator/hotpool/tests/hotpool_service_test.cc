// The hotpool and the warm path of an allocation, over a real store and services with a
// fake power driver and fake agents (tests/integration runs real BMC emulators and the proxy).
#include "coordinator/hotpool/hotpool_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "coordinator/mapping/node_proto.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/fake_agents.h"
#include "tests/support/fake_power.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::IsOk;
using ::testing::HasSubstr;

class NoSwitches : public SwitchApplier {
 public:
  void apply(std::vector<SwitchWork>, std::string, std::function<void(ApplyOutcome)> done) override {
    done(ApplyOutcome{.committed = true});
  }
};

TEST(HotTarget, DemandWithinBounds) {
  EXPECT_EQ(hot_target(0, 0, -1), 0u);
  EXPECT_EQ(hot_target(7, 2, -1), 7u);
  EXPECT_EQ(hot_target(1, 2, -1), 2u);
  EXPECT_EQ(hot_target(9, 2, 5), 5u);
}

TEST(RecentDemand, BusiestTenMinuteWindowOfTheLastHour) {
  const EpochMs now = 10'000'000;
  std::vector<AllocationRecord> a{
      {.hardware_class = "gpu", .count = 3, .created_at_ms = now - 60'000},
      {.hardware_class = "gpu", .count = 4, .created_at_ms = now - 120'000},     // same window: 7
      {.hardware_class = "gpu", .count = 5, .created_at_ms = now - 1'200'000},   // another window: 5
      {.hardware_class = "gpu", .count = 50, .created_at_ms = now - 3'700'000},  // over an hour ago
      {.hardware_class = "cpu", .count = 9, .created_at_ms = now - 60'000},
  };
  EXPECT_EQ(recent_demand(a, "gpu", now, 3'600'000, 600'000), 7u);
  EXPECT_EQ(recent_demand(a, "cpu", now, 3'600'000, 600'000), 9u);
  EXPECT_EQ(recent_demand(a, "none", now, 3'600'000, 600'000), 0u);
}

class HotpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    networks_ = std::make_unique<NetworkService>(*store_, clock_, applier_, NetworkConfig{.pool_first = 100, .pool_last = 199});
    cleaning_ = std::make_unique<CleaningService>(*store_, clock_, *lifecycle_, *networks_, &power_, &agents_, CleaningConfig{});
    allocations_ = std::make_unique<AllocationService>(*store_, clock_, *networks_, *lifecycle_, *cleaning_, &power_, &agents_,
                                                       AllocationConfig{.boot_eta_ms = 90'000, .boot_timeout_ms = 300'000});
    hotpool_ = std::make_unique<HotpoolService>(*store_, clock_, *allocations_, &power_, &agents_);
    ProjectRecord p{.name = "team-a"};
    ASSERT_THAT(store_->create_project(p, {.kind = EventKind::kProjectCreated}), IsOk());
    ASSERT_THAT(allocations_->save_class(admin_, HardwareClass{.name = "gpu", .min_gpus = 1}), IsOk());
  }
  // A free GPU node: hot (on, agent connected) or warm (off).
  std::uint64_t node(bool hot) {
    proto::Inventory inv;
    inv.add_gpus()->set_name("NVIDIA H100");
    auto* nic = inv.add_nics();
    nic->set_name("eth0");
    nic->set_mac(fmt::format("02:00:00:00:00:{:02x}", ++made_));
    NodeRecord n;
    n.system_uuid = fmt::format("uuid-{}", made_);
    n.state = NodeState::kAvailable;
    n.power_state = hot ? PowerState::kOn : PowerState::kOff;
    n.hardware_json = to_json(inv);
    EXPECT_THAT(store_->save_node(n, {.kind = EventKind::kNodeRegistered}), IsOk());
    if (hot) agents_.online.insert(n.id);
    return n.id;
  }
  HotpoolClassStatus gpu() { return hotpool_->status()->front(); }
  std::vector<std::string> stage_names(std::uint64_t id) {
    std::vector<std::string> out;
    auto a = store_->get_allocation(id);
    for (const auto& s : a->stages) out.push_back(s.stage);
    return out;
  }

  bmf::testing::TempDir dir_;
  ManualClock clock_{50'000'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  NoSwitches applier_;
  std::unique_ptr<NetworkService> networks_;
  bmf::testing::FakePower power_;
  bmf::testing::FakeAgents agents_;
  std::unique_ptr<CleaningService> cleaning_;
  std::unique_ptr<AllocationService> allocations_;
  std::unique_ptr<HotpoolService> hotpool_;
  Principal admin_{.name = "root", .role = UserRole::kAdmin};
  int made_ = 0;
};

TEST_F(HotpoolTest, BelowMin_WarmNodesPoweredOn_BusyUntilTheirAgentIsUp) {
  const auto w1 = node(false), w2 = node(false), w3 = node(false);
  ASSERT_THAT(hotpool_->set_bounds("admin:root", "gpu", 2, -1), IsOk());
  EXPECT_EQ(gpu().warm, 3u);
  EXPECT_EQ(gpu().target, 2u);
  hotpool_->reconcile();
  ASSERT_EQ(power_.pending.size(), 2u);
  EXPECT_EQ(power_.pending[0].action, PowerAction::kPxeCycle) << "into the discovery image";
  EXPECT_EQ(gpu().powering_on, 2u);
  // An allocation now must not take the nodes being moved: only w3 is free for it (warm).
  const std::uint64_t moving = power_.pending[0].node;
  EXPECT_TRUE(hotpool_->busy(moving));
  power_.complete_all();
  hotpool_->reconcile();
  EXPECT_EQ(power_.pending.size(), 0u) << "no second move while the first is under way";
  for (auto n : {w1, w2, w3}) {
    if (hotpool_->busy(n)) agents_.registers(n);
  }
  EXPECT_EQ(gpu().hot, 2u);
  EXPECT_EQ(gpu().warm, 1u);
  EXPECT_FALSE(hotpool_->busy(moving));
}

TEST_F(HotpoolTest, AboveTarget_HotNodesPoweredOff_NeverAReservedOne) {
  const auto h1 = node(true), h2 = node(true), h3 = node(true);
  (void)h2;
  (void)h3;
  ASSERT_THAT(hotpool_->set_bounds("admin:root", "gpu", 0, 1), IsOk());
  auto a = allocations_->request(admin_, {.project = "team-a", .count = 1, .hardware_class = "gpu"});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_EQ(a->state, "ready");
  const std::uint64_t taken = a->nodes.front();
  hotpool_->reconcile();  // demand 1, max 1: target 1; two hot nodes free -> one off
  ASSERT_EQ(power_.pending.size(), 1u);
  EXPECT_EQ(power_.pending[0].action, PowerAction::kOff);
  EXPECT_NE(power_.pending[0].node, taken);
  power_.complete_all();
  EXPECT_EQ(gpu().hot, 1u);
  EXPECT_EQ(gpu().warm, 1u);
  EXPECT_EQ(store_->get_node(taken)->state, NodeState::kActive);
  (void)h1;
}

TEST_F(HotpoolTest, PowerOffSlowerThanTheMissedHeartbeats_NodeNeverCalledUnreachable) {
  NodeRegistry registry(*store_, clock_, *lifecycle_, RegistryConfig{.liveness = {.heartbeat_interval_ms = 300, .missed_heartbeats = 3,
                                                                                  .boot_timeout_ms = 20'000}});
  const auto h1 = node(true), h2 = node(true);
  ASSERT_THAT(registry.heartbeat(h1), IsOk());
  ASSERT_THAT(registry.heartbeat(h2), IsOk());
  ASSERT_THAT(hotpool_->set_bounds("admin:root", "gpu", 0, 0), IsOk());
  hotpool_->reconcile();
  ASSERT_EQ(power_.pending.size(), 2u);
  // The agents heartbeat once more after the change began, then stop with the power; the BMCs
  // take 5 s (retries) to confirm: well past 3 x 300 ms.
  clock_.advance_ms(200);
  ASSERT_THAT(registry.heartbeat(h1), IsOk());
  ASSERT_THAT(registry.heartbeat(h2), IsOk());
  agents_.online.clear();
  clock_.advance_ms(5'000);
  EXPECT_EQ(*registry.sweep(), 0);
  power_.complete_all();
  clock_.advance_ms(5'000);
  EXPECT_EQ(*registry.sweep(), 0);
  for (auto n : {h1, h2}) {
    EXPECT_EQ(store_->get_node(n)->state, NodeState::kAvailable);
    EXPECT_EQ(store_->get_node(n)->power_state, PowerState::kOff);
  }
  EXPECT_EQ(gpu().warm, 2u);
}

TEST_F(HotpoolTest, HotTierRunsEmpty_EventAtOnceWithWhatIsLeft_Once) {
  node(true);
  node(false);
  auto a = allocations_->request(admin_, {.project = "team-a", .count = 1, .hardware_class = "gpu"});
  ASSERT_THAT(a.status(), IsOk());
  hotpool_->reconcile();
  hotpool_->reconcile();
  auto events = store_->list_events({});
  int empties = 0;
  for (const auto& e : *events) {
    if (e.kind != EventKind::kHotpoolEmpty) continue;
    ++empties;
    EXPECT_THAT(e.message, HasSubstr("class gpu has no hot node: allocations power warm ones on (1 left, ETA 90 s)"));
  }
  EXPECT_EQ(empties, 1);
  EXPECT_EQ(gpu().last_empty_at_ms, clock_.now_ms());
}

TEST_F(HotpoolTest, WarmAllocation_PoweringOnWithEta_ThenReady_AndTheBootTimeIsLearned) {
  const auto hot = node(true);
  const auto warm = node(false);
  auto a = allocations_->request(admin_, {.project = "team-a", .count = 2, .hardware_class = "gpu"});
  ASSERT_THAT(a.status(), IsOk());
  EXPECT_EQ(a->state, "running");
  EXPECT_EQ(a->stage, "powering_on");
  EXPECT_THAT(a->stages.back().detail, HasSubstr(fmt::format("node(s) {} were powered off (warm)", warm)));
  EXPECT_THAT(a->stages.back().detail, HasSubstr("ETA 90.0 s"));
  ASSERT_EQ(power_.pending.size(), 1u);
  EXPECT_EQ(power_.pending[0].node, warm);
  power_.complete_all();
  clock_.advance_ms(42'000);
  agents_.registers(warm);
  auto done = store_->get_allocation(a->id);
  EXPECT_EQ(done->state, "ready");
  EXPECT_EQ(stage_names(a->id), (std::vector<std::string>{"requested", "reserved", "powering_on", "powered_on", "assigned", "ready"}));
  EXPECT_EQ(allocations_->boot_eta_ms("gpu"), 42'000) << "the next ETA is what this boot took";
  EXPECT_EQ(store_->get_node(hot)->state, NodeState::kActive);
  EXPECT_EQ(store_->get_node(warm)->state, NodeState::kActive);
}

TEST_F(HotpoolTest, WarmNodeNeverComesUp_MaintenanceAndReplaced) {
  const auto dud = node(false);
  const auto spare = node(true);
  hotpool_->set_bounds("admin:root", "gpu", 0, 0);
  // Only the dud is offered first: the spare is busy being moved by the hotpool... no: take
  // it out of the candidates by leasing nothing; order is hot first, so ask for the warm one
  // by making the spare unreachable until the dud has been chosen.
  ASSERT_THAT(lifecycle_->transition(spare, NodeState::kMaintenance, "held back", "admin:root"), IsOk());
  auto a = allocations_->request(admin_, {.project = "team-a", .count = 1, .hardware_class = "gpu"});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_EQ(a->stage, "powering_on");
  ASSERT_THAT(lifecycle_->leave_maintenance(spare, false, "admin:root"), IsOk());
  power_.complete_all();
  clock_.advance_ms(300'001);
  allocations_->tick();
  EXPECT_EQ(store_->get_node(dud)->state, NodeState::kMaintenance);
  EXPECT_THAT(store_->get_node(dud)->state_reason, HasSubstr("no agent registered within 300 s of power-on"));
  auto done = store_->get_allocation(a->id);
  EXPECT_EQ(done->state, "ready") << "the spare was hot: the allocation went on at once";
  EXPECT_EQ(store_->get_node(spare)->state, NodeState::kActive);
  EXPECT_THAT(stage_names(a->id), ::testing::Contains("replaced"));
}

TEST_F(HotpoolTest, WarmNodeNeverComesUp_NoSpare_FailsAndSaysSo) {
  node(false);
  auto a = allocations_->request(admin_, {.project = "team-a", .count = 1, .hardware_class = "gpu"});
  ASSERT_THAT(a.status(), IsOk());
  power_.complete_all(false, "reading the power state failed: HTTP 503");
  auto done = store_->get_allocation(a->id);
  EXPECT_EQ(done->state, "failed");
  EXPECT_THAT(done->message, HasSubstr("step 'powering_on' failed"));
  EXPECT_THAT(done->message, HasSubstr("power-on failed: reading the power state failed: HTTP 503"));
  EXPECT_THAT(done->message, HasSubstr("no free node replaces it"));
}

}  // namespace
}  // namespace bmf::coordinator
