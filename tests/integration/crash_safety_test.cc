// Crash safety: a real coordinator killed with SIGKILL at each step boundary of an
// allocation, its network operation and its release ($BMF_CRASH_AT names the step,
// common/testing/crash_point.h), then restarted on the same database. After the restart
// every operation is finished one way or the other: no allocation left running or
// releasing, no node left allocated/releasing/cleaning, no node in two leases, every
// active node's lease belongs to a ready allocation, and the real netconfd switch holds
// exactly what the database says (a sync finds nothing to change).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/peers/netconfd_peer.h"
#include "tests/support/coordinator_admin.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;
const std::string kSource = BMF_SOURCE_DIR;

class CrashSafetyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NetconfdPeer::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    leaf_ = std::make_unique<NetconfdPeer>(8);
    std::ofstream(path("known_hosts")) << leaf_->known_hosts_line();
    std::ofstream(path("password")) << NetconfdPeer::kPassword << "\n";
    std::ofstream(path("token")) << "lab-token\n";
    init_coordinator_admin(path("state"));
    agent_port_ = free_loopback_port();
    api_port_ = free_loopback_port();
    api_ = fmt::format("http://127.0.0.1:{}", api_port_);
    start_coordinator("");
    for (const char* machine : {"gpu-node", "cpu-node"}) {
      agents_.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{kBuild + "/agent/bmf-agent", "--coordinator", fmt::format("127.0.0.1:{}", agent_port_), "--root",
                                   kSource + "/tests/fixtures/" + machine, "--hostname", machine, "--enrollment-token-file",
                                   path("token"), "--lldp-wait-ms", "0", "--backoff-max-ms", "300"},
          path(std::string(machine) + ".log")));
    }
    ASSERT_TRUE(eventually([&] { return nodes().size() == 2 && count_state("available") == 2; }, std::chrono::seconds(15)))
        << bmfctl("node list").second << coordinator_->log();
    std::map<std::string, std::uint64_t> ids;
    for (const auto& n : nodes()) ids[n["identity"]["hostname"]] = std::stoull(n["id"].get<std::string>());
    admin(fmt::format("switch add leaf-1 --address 127.0.0.1:{} --user {} --password-file {} --known-hosts {} "
                      "--network-instance DEFAULT --parking-vlan 20",
                      leaf_->port(), NetconfdPeer::kUser, path("password"), path("known_hosts")));
    admin(fmt::format("node port-map {} eno8303 leaf-1 Ethernet1", ids["gpu-node"]));
    admin(fmt::format("node port-map {} ens1f0np0 leaf-1 Ethernet2", ids["gpu-node"]));
    admin(fmt::format("node port-map {} eno1 leaf-1 Ethernet3", ids["cpu-node"]));
    admin("project add team-a");
    admin("network create team-a frontend");
    admin("class add any");
  }

  void start_coordinator(const std::string& crash_at) {
    if (crash_at.empty()) ::unsetenv("BMF_CRASH_AT");
    else ::setenv("BMF_CRASH_AT", crash_at.c_str(), 1);
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/coordinator/bmf-coordinator", "--state-dir", path("state"), "--agent-listen",
                                 fmt::format("127.0.0.1:{}", agent_port_), "--api-listen", fmt::format("127.0.0.1:{}", api_port_),
                                 "--enrollment-token-file", path("token"), "--tenant-vlans", "100-199", "--heartbeat-interval-ms",
                                 "300"},
        path("coordinator.log"));
    ::unsetenv("BMF_CRASH_AT");
    ASSERT_TRUE(eventually([&] { return run_command(fmt::format("curl -sf {}/healthz", api_)).first == 0; }, std::chrono::seconds(10)))
        << coordinator_->log();
  }

  std::string path(const std::string& name) { return (dir_.path() / name).string(); }
  std::pair<int, std::string> bmfctl(const std::string& args) {
    return run_command(fmt::format("{}/coordinator/cli/bmfctl --coordinator {} {} 2>&1", kBuild, api_, args));
  }
  std::string admin(const std::string& args) {
    auto [rc, out] = bmfctl(args);
    EXPECT_EQ(rc, 0) << args << ": " << out << coordinator_->log();
    return out;
  }
  nlohmann::json list(const std::string& what, const std::string& key) {
    auto [rc, out] = bmfctl(what + " -o json");
    auto doc = nlohmann::json::parse(out, nullptr, false);
    if (rc != 0 || !doc.is_object()) return nlohmann::json::array();
    return doc.value(key, nlohmann::json::array());
  }
  nlohmann::json nodes() { return list("node list", "nodes"); }
  int count_state(const std::string& state) {
    int n = 0;
    for (const auto& node : nodes()) n += node.value("state", "") == "NODE_STATE_" + [&] {
      std::string up = state;
      for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return up;
    }();
    return n;
  }
  bool settled() {
    for (const auto& a : list("allocation list", "allocations")) {
      const std::string s = a.value("state", "");
      if (s == "running" || s == "releasing") return false;
    }
    for (const auto& n : nodes()) {
      const std::string s = n.value("state", "");
      if (s == "NODE_STATE_ALLOCATED" || s == "NODE_STATE_RELEASING" || s == "NODE_STATE_CLEANING") return false;
    }
    return true;
  }
  void check_invariants(const std::string& point) {
    ASSERT_TRUE(eventually([&] { return settled(); }, std::chrono::seconds(30)))
        << point << ": not settled\n" << bmfctl("allocation list").second << bmfctl("node list").second << coordinator_->log();
    std::map<std::string, std::string> allocation_state;
    for (const auto& a : list("allocation list", "allocations")) allocation_state[a["id"].get<std::string>()] = a.value("state", "");
    std::map<std::string, int> leases_per_node;
    for (const auto& l : list("lease list", "leases")) {
      leases_per_node[l["nodeId"].get<std::string>()] += 1;
      const std::string alloc = l.value("allocationId", "0");
      if (alloc != "0") EXPECT_EQ(allocation_state[alloc], "ready") << point << ": an active lease of a non-ready allocation";
    }
    for (const auto& [node, n] : leases_per_node) EXPECT_EQ(n, 1) << point << ": node " << node << " in two leases";
    for (const auto& n : nodes()) {
      const std::string s = n.value("state", "");
      EXPECT_TRUE(s == "NODE_STATE_AVAILABLE" || s == "NODE_STATE_ACTIVE") << point << ": node " << n["id"] << " is " << s;
      EXPECT_EQ(s == "NODE_STATE_ACTIVE", leases_per_node.count(n["id"].get<std::string>()) > 0) << point;
    }
    auto [rc, out] = bmfctl("switch sync leaf-1 --timeout 60");
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("in sync, nothing to change"), std::string::npos) << point << ": the switch drifted from the database\n" << out;
  }
  // Releases every ready allocation and waits until both nodes are free again.
  void reset() {
    for (const auto& a : list("allocation list", "allocations")) {
      if (a.value("state", "") == "ready") bmfctl("release " + a["id"].get<std::string>() + " --timeout 60");
    }
    ASSERT_TRUE(eventually([&] { return count_state("available") == 2; }, std::chrono::seconds(30))) << bmfctl("node list").second;
  }

  TempDir dir_;
  std::unique_ptr<NetconfdPeer> leaf_;
  std::unique_ptr<ChildProcess> coordinator_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;
  std::uint16_t agent_port_ = 0, api_port_ = 0;
  std::string api_;
};

TEST_F(CrashSafetyTest, KilledAtEveryStepBoundary_TheRestartFinishesEverything) {
  struct Point {
    const char* name;
    bool during_release;  // the crash is in the release, after a good allocation
  };
  for (const Point& p : {Point{"allocation.reserved", false}, Point{"allocation.network_queued", false},
                         Point{"network.switches_confirmed", false}, Point{"allocation.assigned", false},
                         Point{"release.leases_ended", true}, Point{"cleaning.ports_done", true},
                         Point{"cleaning.before_available", true}}) {
    SCOPED_TRACE(p.name);
    if (p.during_release) {
      auto [rc, out] = bmfctl("allocate --project team-a --count 2 --class any --network frontend --timeout 60");
      ASSERT_EQ(rc, 0) << out << coordinator_->log();
    }
    coordinator_.reset();
    start_coordinator(p.name);
    if (p.during_release) {
      std::string id = list("allocation list", "allocations").back()["id"].get<std::string>();
      (void)bmfctl("release " + id + " --timeout 10");
    } else {
      (void)bmfctl("allocate --project team-a --count 2 --class any --network frontend --timeout 10");
    }
    ASSERT_TRUE(eventually([&] { return !coordinator_->running(); }, std::chrono::seconds(20)))
        << p.name << " was never reached\n" << coordinator_->log();
    start_coordinator("");
    check_invariants(p.name);
    reset();
  }
}

}  // namespace
}  // namespace bmf::testing
