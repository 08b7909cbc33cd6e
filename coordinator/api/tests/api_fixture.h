#pragma once
// A coordinator API over a real SQLite store with the real services, a bootstrap
// admin, two tenants (alice in team-a, bob in team-b) and a recording switch
// applier (real switches are in tests/integration). Requests carry a bearer token.
#include "tests/support/fake_agents.h"
#include <fmt/core.h>
#include <gtest/gtest.h>

#include "common/proto/inventory.pb.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/mapping/node_proto.h"
#include "coordinator/metrics/coordinator_metrics.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace bmf::coordinator {

class RecordingApplier : public SwitchApplier {
 public:
  void apply(std::vector<SwitchWork> work, std::string, std::function<void(ApplyOutcome)> done) override {
    calls.push_back(std::move(work));
    done(ApplyOutcome{.committed = true});
  }
  std::vector<std::vector<SwitchWork>> calls;
};

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(dir_.path()).value());
    tenancy_ = std::make_unique<TenancyService>(*store_, clock_, TenancyConfig{.session_ttl_ms = 3'600'000,
                                                                              .password_iterations = 10'000});
    networks_ = std::make_unique<NetworkService>(*store_, clock_, applier_, NetworkConfig{.pool_first = 100, .pool_last = 199});
    lifecycle_ = std::make_unique<NodeLifecycle>(*store_, clock_);
    cleaning_ = std::make_unique<CleaningService>(*store_, clock_, *lifecycle_, *networks_, nullptr, nullptr, CleaningConfig{});
    allocations_ = std::make_unique<AllocationService>(*store_, clock_, *networks_, *lifecycle_, *cleaning_);
    hotpool_ = std::make_unique<HotpoolService>(*store_, clock_, *allocations_, nullptr, nullptr);
    api_ = std::make_unique<AdminApi>(*store_, *tenancy_, networks_.get(), nullptr, nullptr, clock_, allocations_.get(),
                                      lifecycle_.get(), hotpool_.get());
    metrics_ = std::make_unique<CoordinatorMetrics>(registry_, *store_, *allocations_, *networks_, hotpool_.get());
    api_->set_metrics([this] { return metrics_->exposition(); });
    slurm_ = std::make_unique<SlurmService>(*store_, clock_, *networks_, *allocations_, agents_);
    api_->set_slurm(slurm_.get());
    admin_token_ = tenancy_->bootstrap_admin("root")->secret;
    admin_ = *tenancy_->authenticate_token(admin_token_);
    for (auto [user, project] : {std::pair{"alice", "team-a"}, std::pair{"bob", "team-b"}}) {
      ASSERT_TRUE(tenancy_->add_project(admin_, project, -1, -1).ok());
      ASSERT_TRUE(tenancy_->add_user(admin_, user, UserRole::kMember, std::string(user) + "-password").ok());
      ASSERT_TRUE(tenancy_->add_member(admin_, user, project).ok());
    }
    alice_token_ = tenancy_->create_token(admin_, "alice", "", 0)->secret;
    bob_token_ = tenancy_->create_token(admin_, "bob", "", 0)->secret;
  }

  // A node with NICs heard over LLDP on leaf-1 (port EthernetN for NIC ethN-1... as given).
  std::uint64_t add_node(const std::string& host, const std::vector<std::pair<std::string, std::string>>& nic_ports) {
    proto::Inventory inv;
    for (const auto& [nic, port] : nic_ports) {
      auto* n = inv.add_nics();
      n->set_name(nic);
      n->set_mac(fmt::format("02:{:02x}:00:00:00:{:02x}", host.size(), inv.nics_size()));
      n->mutable_lldp()->set_system_name("leaf-1");
      n->mutable_lldp()->set_port_id(port);
      n->mutable_lldp()->set_port_id_subtype("ifname");
    }
    NodeRecord node;
    node.hostname = host;
    node.system_uuid = "uuid-" + host;
    node.hardware_json = to_json(inv);
    node.state = NodeState::kAvailable;  // inspected, heartbeating
    node.power_state = PowerState::kOn;
    EXPECT_TRUE(store_->save_node(node, {.kind = EventKind::kNodeRegistered}).ok());
    return node.id;
  }

  ApiResponse call(const std::string& token, std::string method, std::string target, std::string body = {}) {
    ApiRequest req{std::move(method), std::move(target), std::move(body), {}};
    if (!token.empty()) req.headers["authorization"] = "Bearer " + token;
    return api_->handle(req);
  }
  ApiResponse as_admin(std::string method, std::string target, std::string body = {}) {
    return call(admin_token_, std::move(method), std::move(target), std::move(body));
  }

  testing::TempDir dir_;
  ManualClock clock_{1'795'463'976'000};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<TenancyService> tenancy_;
  RecordingApplier applier_;
  std::unique_ptr<NetworkService> networks_;
  std::unique_ptr<NodeLifecycle> lifecycle_;
  std::unique_ptr<CleaningService> cleaning_;
  std::unique_ptr<AllocationService> allocations_;
  std::unique_ptr<HotpoolService> hotpool_;
  bmf::testing::FakeAgents agents_;
  std::unique_ptr<SlurmService> slurm_;
  metrics::Registry registry_;
  std::unique_ptr<CoordinatorMetrics> metrics_;
  std::unique_ptr<AdminApi> api_;
  std::string admin_token_, alice_token_, bob_token_;
  Principal admin_;
};

}  // namespace bmf::coordinator
