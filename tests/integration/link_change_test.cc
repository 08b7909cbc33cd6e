// A NIC going down on a live host makes the agent re-report its inventory
// (netlink link notifications), and the coordinator records it. Coordinator,
// agent and bmfctl run in a private network namespace the test creates.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_admin.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;

class LinkChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
    ns_ = fmt::format("bmft-links-{}", getpid());
    auto [rc, out] = run_command(fmt::format(
        "ip netns add {0} && ip -n {0} link set lo up && ip -n {0} link add tst0 type veth peer name tst1 && "
        "ip -n {0} link set tst0 address 02:00:00:00:00:a0 && ip -n {0} link set tst0 up && ip -n {0} link set tst1 up 2>&1",
        ns_));
    created_ = true;
    if (rc != 0) GTEST_SKIP() << "network namespaces not permitted here: " << out;
  }
  void TearDown() override {
    agent_.reset();
    coordinator_.reset();
    if (created_) (void)run_command(fmt::format("ip netns del {} 2>/dev/null", ns_));
  }
  std::vector<std::string> in_ns(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"/usr/bin/nsenter", "--net=/run/netns/" + ns_, "--"});
    return argv;
  }
  std::string bmfctl(const std::string& args) {
    return run_command(fmt::format("/usr/bin/nsenter --net=/run/netns/{} {}/coordinator/cli/bmfctl --coordinator "
                                   "http://127.0.0.1:{} {}",
                                   ns_, kBuild, api_port_, args))
        .second;
  }

  TempDir dir_;
  std::string ns_;
  bool created_ = false;
  int api_port_ = 0;
  std::unique_ptr<ChildProcess> coordinator_, agent_;
};

TEST_F(LinkChangeTest, LinkDown_AgentReReportsAndCoordinatorRecordsIt) {
  init_coordinator_admin(dir_.path() / "state");
  coordinator_ = std::make_unique<ChildProcess>(
      in_ns({kBuild + "/coordinator/bmf-coordinator", "--state-dir", (dir_.path() / "state").string(), "--agent-listen",
             "127.0.0.1:7420", "--api-listen", "127.0.0.1:0", "--heartbeat-interval-ms", "200"}),
      dir_.path() / "coordinator.log");
  std::smatch m;
  std::regex started(R"(api=127\.0\.0\.1:(\d+))");
  ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log(); return std::regex_search(l, m, started); },
                         std::chrono::seconds(10)));
  api_port_ = std::stoi(m[1]);
  agent_ = std::make_unique<ChildProcess>(in_ns({kBuild + "/agent/bmf-agent", "--coordinator", "127.0.0.1:7420", "--lldp-wait-ms", "300"}),
                                          dir_.path() / "agent.log");
  ASSERT_TRUE(eventually([&] { return bmfctl("node list").find("available") != std::string::npos; },
                         std::chrono::seconds(10)))
      << agent_->log();

  ASSERT_EQ(run_command(fmt::format("ip -n {} link set tst0 down", ns_)).first, 0);
  ASSERT_TRUE(eventually([&] { return bmfctl("events").find("link tst0 down") != std::string::npos; },
                         std::chrono::seconds(5)))
      << agent_->log() << coordinator_->log();
  auto node = nlohmann::json::parse(bmfctl("node show 1 -o json"), nullptr, false);
  ASSERT_FALSE(node.is_discarded());
  bool found = false;
  for (auto& nic : node["hardware"]["nics"]) {
    if (nic["name"] == "tst0") {
      found = true;
      EXPECT_EQ(nic["operstate"], "down");
    }
  }
  EXPECT_TRUE(found) << node.dump();
}

}  // namespace
}  // namespace bmf::testing
