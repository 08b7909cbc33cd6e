// AllocationService against a real SQLite store, the real tenancy and network
// services and a recording switch applier (switch failures injected).
#include "coordinator/allocation/allocation_service.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "coordinator/allocation/hardware_class.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {
namespace {

using bmf::testing::StatusIs;
using bmf::testing::IsOk;

class FlakyApplier : public SwitchApplier {
 public:
  void apply(std::vector<SwitchWork> work, std::string, std::function<void(ApplyOutcome)> done) override {
    calls.push_back(work);
    ApplyOutcome out{.committed = fail_switch.empty()};
    if (!fail_switch.empty()) {
      out.failed_switch = fail_switch;
      out.failure = Status(StatusCode::kAborted, "commit refused");
    }
    done(out);
  }
  std::vector<std::vector<SwitchWork>> calls;
  std::string fail_switch;
};

proto::Inventory gpu_inventory(int gpus, const std::string& model, bool rdma, std::uint64_t gib, const std::string& leaf, int port) {
  proto::Inventory inv;
  for (int i = 0; i < gpus; ++i) inv.add_gpus()->set_name(model);
  if (rdma) inv.add_rdma()->set_name("mlx5_0");
  inv.mutable_memory()->set_installed_bytes(gib << 30);
  inv.mutable_cpu()->set_threads(224);
  auto* nic = inv.add_nics();
  nic->set_name("eth0");
  nic->set_mac(fmt::format("02:00:00:00:{:02x}:{:02x}", port, gpus));
  nic->mutable_lldp()->set_system_name(leaf);
  nic->mutable_lldp()->set_port_id(fmt::format("Ethernet{}", port));
  return inv;
}

class AllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    tenancy_ = std::make_unique<TenancyService>(*store_, clock_, TenancyConfig{.password_iterations = 10'000});
    admin_ = *tenancy_->authenticate_token(tenancy_->bootstrap_admin("root")->secret);
    networks_ = std::make_unique<NetworkService>(*store_, clock_, applier_, NetworkConfig{});
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    cleaning_ = std::make_unique<CleaningService>(*store_, clock_, *lifecycle_, *networks_, nullptr, nullptr, CleaningConfig{});
    allocations_ = std::make_unique<AllocationService>(*store_, clock_, *networks_, *lifecycle_, *cleaning_);
    ASSERT_TRUE(tenancy_->add_project(admin_, "team-a", 6, -1).ok());
    ASSERT_TRUE(tenancy_->add_project(admin_, "team-b", -1, -1).ok());
    ASSERT_TRUE(tenancy_->add_user(admin_, "alice", UserRole::kMember, "").ok());
    ASSERT_TRUE(tenancy_->add_member(admin_, "alice", "team-a").ok());
    alice_ = *tenancy_->authenticate_token(tenancy_->create_token(admin_, "alice", "", 0)->secret);
    for (int i = 1; i <= 2; ++i) {
      ASSERT_TRUE(store_->save_switch({.name = fmt::format("leaf-{}", i), .address = "127.0.0.1", .username = "u",
                                       .known_hosts_file = "k", .parking_vlan = 20}, {.kind = EventKind::kSwitchSaved}).ok());
    }
    ASSERT_TRUE(allocations_->save_class(admin_, {.name = "gpu-h100x8", .min_gpus = 8, .gpu_model = "H100", .rdma = true,
                                                  .min_memory_gib = 1024}).ok());
    // 3 H100 nodes on leaf-2, 2 on leaf-1, and 2 CPU nodes.
    for (int i = 0; i < 7; ++i) {
      const bool gpu = i < 5;
      add_node(fmt::format("n{}", i), gpu ? gpu_inventory(8, "H100 SXM5 80GB", true, 2048, i < 2 ? "leaf-1" : "leaf-2", i + 1)
                                          : gpu_inventory(0, "", false, 384, "leaf-1", i + 1));
    }
  }
  std::uint64_t add_node(const std::string& host, const proto::Inventory& inv) {
    NodeRecord n;
    n.hostname = host;
    n.system_uuid = "uuid-" + host;
    n.hardware_json = to_json(inv);
    n.state = NodeState::kAvailable;
    EXPECT_TRUE(store_->save_node(n, {.kind = EventKind::kNodeRegistered}).ok());
    ids_.push_back(n.id);
    return n.id;
  }
  std::vector<std::string> stage_names(const AllocationRecord& a) {
    std::vector<std::string> out;
    for (const auto& s : a.stages) out.push_back(s.stage);
    return out;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'795'463'976'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<TenancyService> tenancy_;
  FlakyApplier applier_;
  std::unique_ptr<NetworkService> networks_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  std::unique_ptr<CleaningService> cleaning_;
  std::unique_ptr<AllocationService> allocations_;
  Principal admin_, alice_;
  std::vector<std::uint64_t> ids_;
};

TEST(HardwareClassTest, RulesOverTheInventory) {
  HardwareClass h100{.name = "h100", .min_gpus = 8, .gpu_model = "h100", .rdma = true, .min_memory_gib = 1024};
  EXPECT_TRUE(matches(h100, gpu_inventory(8, "H100 SXM5 80GB", true, 2048, "", 1)));
  EXPECT_FALSE(matches(h100, gpu_inventory(8, "A100 80GB", true, 2048, "", 1))) << "model";
  EXPECT_FALSE(matches(h100, gpu_inventory(4, "H100 SXM5 80GB", true, 2048, "", 1))) << "count";
  EXPECT_FALSE(matches(h100, gpu_inventory(8, "H100 SXM5 80GB", false, 2048, "", 1))) << "rdma";
  EXPECT_FALSE(matches(h100, gpu_inventory(8, "H100 SXM5 80GB", true, 512, "", 1))) << "memory";
  EXPECT_TRUE(matches({.name = "any"}, gpu_inventory(0, "", false, 1, "", 1)));
  EXPECT_FALSE(validate_class({.name = "Bad Name"}).ok());
  EXPECT_FALSE(validate_class({.name = "x", .min_gpus = 1000}).ok());
}

TEST_F(AllocationTest, Request_StagesWithTimesNodesOnFewestLeavesAndTheNetwork) {
  auto net = networks_->create(alice_, "team-a", "frontend");
  ASSERT_TRUE(net.ok());
  auto a = allocations_->request(alice_, {.project = "team-a", .count = 3, .hardware_class = "gpu-h100x8", .network = "frontend"});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->state, "ready") << a->message;
  EXPECT_EQ(stage_names(*a), (std::vector<std::string>{"requested", "reserved", "assigning", "assigned", "ready"}));
  for (const auto& s : a->stages) EXPECT_GT(s.at_ms, 0) << s.stage;
  // The three leaf-2 nodes (one leaf) rather than two leaf-1 + one leaf-2.
  EXPECT_EQ(a->nodes, (std::vector<std::uint64_t>{ids_[2], ids_[3], ids_[4]}));
  ASSERT_EQ(applier_.calls.size(), 1u) << "one network operation for all nodes";
  EXPECT_EQ(applier_.calls[0][0].sw.name, "leaf-2");
  EXPECT_EQ(applier_.calls[0][0].changes.ports.size(), 3u);
  EXPECT_EQ(store_->list_leases(true)->leases.size(), 3u);
}

TEST_F(AllocationTest, NotEnoughNodesOrQuota_ClearRefusalAndNothingReserved) {
  auto too_many = allocations_->request(alice_, {.project = "team-a", .count = 6, .hardware_class = "gpu-h100x8"});
  EXPECT_THAT(too_many.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(too_many.status().message().find("6 asked, class gpu-h100x8: 5 node(s) free"), std::string::npos)
      << too_many.status().message();
  auto over_quota = allocations_->request(alice_, {.project = "team-a", .count = 7});
  EXPECT_THAT(over_quota.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(over_quota.status().message().find("quota 'nodes' of project team-a is 6"), std::string::npos)
      << over_quota.status().message();
  EXPECT_THAT(allocations_->request(alice_, {.project = "team-b", .count = 1}).status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(allocations_->request(alice_, {.project = "team-a", .count = 1, .hardware_class = "nope"}).status(),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(allocations_->request(alice_, {.project = "team-a", .count = 1, .handover = "slurm"}).status(),
              StatusIs(StatusCode::kUnimplemented));
  EXPECT_TRUE(store_->list_leases(true)->leases.empty());
  EXPECT_TRUE(store_->list_allocations()->empty());
}

TEST_F(AllocationTest, NewInventory_ClassesRecomputedOnTheNextRequest) {
  // A first request parses and keeps every inventory.
  auto six = allocations_->request(alice_, {.project = "team-a", .count = 6, .hardware_class = "gpu-h100x8"});
  EXPECT_NE(six.status().message().find("5 node(s) free"), std::string::npos) << six.status().message();
  // Two H100 nodes report new hardware: one lost its GPUs, a CPU node gained eight.
  ASSERT_TRUE(store_->set_node_hardware(ids_[0], to_json(gpu_inventory(0, "", false, 384, "leaf-1", 1)),
                                        {.kind = EventKind::kNodeInventoryUpdated}).ok());
  ASSERT_TRUE(store_->set_node_hardware(ids_[1], to_json(gpu_inventory(0, "", false, 384, "leaf-1", 2)),
                                        {.kind = EventKind::kNodeInventoryUpdated}).ok());
  ASSERT_TRUE(store_->set_node_hardware(ids_[5], to_json(gpu_inventory(8, "H100 SXM5 80GB", true, 2048, "leaf-1", 6)),
                                        {.kind = EventKind::kNodeInventoryUpdated}).ok());
  auto again = allocations_->request(alice_, {.project = "team-a", .count = 5, .hardware_class = "gpu-h100x8"});
  EXPECT_THAT(again.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(again.status().message().find("4 node(s) free"), std::string::npos) << again.status().message();
  auto four = allocations_->request(alice_, {.project = "team-a", .count = 4, .hardware_class = "gpu-h100x8"});
  ASSERT_THAT(four.status(), IsOk());
  std::vector<std::uint64_t> got = four->nodes;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::uint64_t>{ids_[2], ids_[3], ids_[4], ids_[5]}));
}

TEST_F(AllocationTest, InventoriesOfTheBriefRows_WorkedOutAgainOnlyForNewRows) {
  auto briefs = store_->list_nodes_brief();
  ASSERT_THAT(briefs.status(), IsOk());
  const auto first = allocations_->inventories_of(*briefs);
  ASSERT_EQ(first.size(), (*briefs)->size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    ASSERT_NE(first[i], nullptr);
    EXPECT_EQ(first[i], allocations_->inventory_of((**briefs)[i]));
  }
  EXPECT_EQ(first[0]->gpus_size(), 8);
  // The same rows: the same answer. New hardware on node 0: new rows, its new inventory.
  EXPECT_EQ(allocations_->inventories_of(*store_->list_nodes_brief()), first);
  ASSERT_TRUE(store_->set_node_hardware(ids_[0], to_json(gpu_inventory(0, "", false, 384, "leaf-1", 1)),
                                        {.kind = EventKind::kNodeInventoryUpdated}).ok());
  const auto second = allocations_->inventories_of(*store_->list_nodes_brief());
  ASSERT_EQ(second.size(), first.size());
  EXPECT_EQ(second[0]->gpus_size(), 0);
}

TEST_F(AllocationTest, ClassQuota_CountsThatClassOnly) {
  ASSERT_TRUE(tenancy_->set_class_quota(admin_, "team-a", "gpu-h100x8", 1).ok());
  auto two = allocations_->request(alice_, {.project = "team-a", .count = 2, .hardware_class = "gpu-h100x8"});
  EXPECT_THAT(two.status(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(two.status().message().find("quota 'nodes of class gpu-h100x8' of project team-a is 1 and 0 are in use"),
            std::string::npos) << two.status().message();
  ASSERT_TRUE(allocations_->request(alice_, {.project = "team-a", .count = 1, .hardware_class = "gpu-h100x8"}).ok());
  EXPECT_THAT(allocations_->request(alice_, {.project = "team-a", .count = 1, .hardware_class = "gpu-h100x8"}).status(),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(store_->get_project("team-a")->class_quotas.at("gpu-h100x8").in_use, 1);
  EXPECT_TRUE(allocations_->request(alice_, {.project = "team-a", .count = 1}).ok()) << "other nodes are not that class's";
  ASSERT_TRUE(tenancy_->set_class_quota(admin_, "team-a", "gpu-h100x8", -1).ok());
  EXPECT_TRUE(allocations_->request(alice_, {.project = "team-a", .count = 1, .hardware_class = "gpu-h100x8"}).ok());
}

TEST_F(AllocationTest, Duration_LeasesExpireAndTheAllocationIsReleased) {
  auto a = allocations_->request(alice_, {.project = "team-a", .count = 2, .hardware_class = "gpu-h100x8", .duration_s = 60});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->ends_at_ms, clock_.now_ms() + 60'000);
  LeaseRecord manual{.node_id = ids_[5], .project = "team-a", .ends_at_ms = clock_.now_ms() + 30'000};
  ASSERT_TRUE(store_->create_lease(manual, {.kind = EventKind::kLeaseStarted}).ok());
  EXPECT_EQ(*allocations_->expire(), 0u);
  clock_.advance_ms(30'000);
  EXPECT_EQ(*allocations_->expire(), 1u) << "the hand-made lease";
  EXPECT_EQ(store_->list_leases(true)->leases.size(), 2u);
  clock_.advance_ms(30'000);
  EXPECT_EQ(*allocations_->expire(), 2u);
  EXPECT_TRUE(store_->list_leases(true)->leases.empty());
  EXPECT_EQ(store_->get_allocation(a->id)->state, "released");
  EXPECT_THAT(allocations_->request(alice_, {.project = "team-a", .count = 1, .duration_s = -1}).status(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(AllocationTest, ManyRequests_NoNodeTwice) {
  std::set<std::uint64_t> taken;
  int granted = 0, refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto a = allocations_->request(i % 2 ? alice_ : admin_, {.project = i % 2 ? "team-a" : "team-b", .count = 1});
    if (!a.ok()) {
      ++refused;
      continue;
    }
    ++granted;
    for (auto n : a->nodes) EXPECT_TRUE(taken.insert(n).second) << "node " << n << " given twice";
  }
  EXPECT_EQ(granted, 7);
  EXPECT_EQ(refused, 33);
  EXPECT_EQ(store_->list_leases(true)->leases.size(), 7u);
}

TEST_F(AllocationTest, SwitchFailure_FailsWithTheStepAndRollsTheLeasesBack) {
  ASSERT_TRUE(networks_->create(alice_, "team-a", "frontend").ok());
  applier_.fail_switch = "leaf-2";
  auto a = allocations_->request(alice_, {.project = "team-a", .count = 2, .hardware_class = "gpu-h100x8", .network = "frontend"});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->state, "failed");
  EXPECT_EQ(a->stages.back().stage, "failed");
  EXPECT_NE(a->message.find("step 'assigned' failed: switch leaf-2 failed"), std::string::npos) << a->message;
  EXPECT_NE(a->message.find("rolled back: leases of nodes"), std::string::npos) << a->message;
  EXPECT_TRUE(store_->list_leases(true)->leases.empty()) << "the nodes are free again";
}

TEST_F(AllocationTest, Release_LeasesEndPortsBackToProvisioning) {
  ASSERT_TRUE(networks_->create(alice_, "team-a", "frontend").ok());
  auto a = allocations_->request(alice_, {.project = "team-a", .count = 2, .hardware_class = "gpu-h100x8", .network = "frontend"});
  ASSERT_TRUE(a.ok());
  auto r = allocations_->release(alice_, a->id);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->state, "released");
  EXPECT_EQ(r->stages.back().stage, "released");
  EXPECT_TRUE(store_->list_leases(true)->leases.empty());
  EXPECT_TRUE(store_->list_attachments()->empty());
  EXPECT_EQ(applier_.calls.back()[0].changes.ports.begin()->second.access_vlan, 20);
  EXPECT_THAT(allocations_->release(alice_, a->id).status(), StatusIs(StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace bmf::coordinator

namespace bmf::coordinator {

TEST_F(AllocationTest, Topology_WithinALeafTheSameRailGroupFirst) {
  for (const char* rail : {"rail-a", "rail-b"}) {
    ASSERT_TRUE(store_->save_switch({.name = rail, .address = "127.0.0.1", .username = "u", .known_hosts_file = "k", .parking_vlan = 20},
                                    {.kind = EventKind::kSwitchSaved}).ok());
  }
  ASSERT_TRUE(allocations_->save_class(admin_, {.name = "railed", .min_gpus = 4, .gpu_model = "B200"}).ok());
  // Four nodes on leaf-1 whose rail NICs alternate between two rail groups: a, b, a, b.
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 4; ++i) {
    proto::Inventory inv = gpu_inventory(4, "B200", false, 512, "leaf-1", 20 + i);
    auto* rail = inv.add_nics();
    rail->set_name("rail0");
    rail->set_mac(fmt::format("02:00:00:00:99:{:02x}", i));
    rail->mutable_lldp()->set_system_name(i % 2 ? "rail-b" : "rail-a");
    rail->mutable_lldp()->set_port_id(fmt::format("Ethernet{}", i + 1));
    ids.push_back(add_node(fmt::format("b{}", i), inv));
  }
  auto a = allocations_->request(alice_, {.project = "team-a", .count = 2, .hardware_class = "railed"});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  std::vector<std::uint64_t> got = a->nodes;
  std::sort(got.begin(), got.end());
  EXPECT_TRUE(got == (std::vector<std::uint64_t>{ids[0], ids[2]}) || got == (std::vector<std::uint64_t>{ids[1], ids[3]}))
      << "two nodes of one rail group, not " << fmt::format("{}", fmt::join(got, ","));
}

}  // namespace bmf::coordinator
