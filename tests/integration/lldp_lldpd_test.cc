// LLDP against a real speaker: Debian's lldpd in a "switch" network namespace,
// one end of a veth pair; bmf-agent in a "node" namespace on the other end,
// collecting its inventory with LLDP. The test creates and removes its own
// namespaces and stops only the lldpd it started.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

const std::string kAgent = std::string(BMF_BUILD_DIR) + "/agent/bmf-agent";

class LldpdPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    if (access("/usr/sbin/lldpd", X_OK) != 0) GTEST_SKIP() << "lldpd is not installed (scripts/setup.sh installs it)";
    sw_ = fmt::format("bmft-sw-{}", getpid());
    node_ = fmt::format("bmft-node-{}", getpid());
    auto [rc, out] = run_command(fmt::format(
        "ip netns add {0} && ip netns add {1} && ip link add swp7 netns {0} type veth peer name eth0 netns {1} && "
        "ip -n {1} link set eth0 address 02:00:00:00:07:01 && ip -n {0} link set swp7 up && "
        "ip -n {1} link set eth0 up && ip -n {1} link set lo up 2>&1",
        sw_, node_));
    created_ = true;
    if (rc != 0) GTEST_SKIP() << "network namespaces not permitted here: " << out;
    // lldpd's unprivileged child must reach its control socket in this dir.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
    std::ofstream(dir_.path() / "lldpd.conf") << "configure system hostname leaf-t\n"
                                                 "configure system chassisid leaf-t\n"
                                                 "configure system interface pattern swp*\n"
                                                 "configure lldp tx-interval 1\n"
                                                 "configure lldp tx-hold 10\n"
                                                 "configure ports swp7 lldp portidsubtype local Ethernet7 "
                                                 "description \"leaf-t Ethernet7 to node07\"\n";
    lldpd_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/nsenter", "--net=/run/netns/" + sw_, "--", "/usr/sbin/lldpd", "-d", "-u",
                                 (dir_.path() / "lldpd.sock").string(), "-O", (dir_.path() / "lldpd.conf").string()},
        dir_.path() / "lldpd.log");
  }

  void TearDown() override {
    if (lldpd_) lldpd_->stop(SIGTERM);
    if (created_) (void)run_command(fmt::format("ip netns del {} 2>/dev/null; ip netns del {} 2>/dev/null", sw_, node_));
  }

  TempDir dir_;
  std::string sw_, node_;
  bool created_ = false;
  std::unique_ptr<ChildProcess> lldpd_;
};

TEST_F(LldpdPeer, AgentInventory_ReportsChassisAndPortThatLldpdAdvertises) {
  // The agent waits up to 5 s; lldpd's first frame comes within ~0.1-1 s of start.
  auto [rc, out] = run_command(fmt::format("/usr/bin/nsenter --net=/run/netns/{} {} inventory -o json --lldp-wait-ms 5000 2>&1",
                                           node_, kAgent));
  ASSERT_EQ(rc, 0) << out << lldpd_->log();
  auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  nlohmann::json eth0;
  for (auto& n : doc["nics"]) {
    if (n["name"] == "eth0") eth0 = n;
  }
  ASSERT_FALSE(eth0.is_null()) << "the agent sees its namespace's NIC via netlink: " << out;
  EXPECT_EQ(eth0["mac"], "02:00:00:00:07:01");
  ASSERT_TRUE(eth0.contains("lldp")) << out << lldpd_->log();
  EXPECT_EQ(eth0["lldp"]["chassisId"], "leaf-t");
  EXPECT_EQ(eth0["lldp"]["chassisIdSubtype"], "local");
  EXPECT_EQ(eth0["lldp"]["portId"], "Ethernet7");
  EXPECT_EQ(eth0["lldp"]["portIdSubtype"], "local");
  EXPECT_EQ(eth0["lldp"]["systemName"], "leaf-t");
  EXPECT_EQ(eth0["lldp"]["portDescription"], "leaf-t Ethernet7 to node07");
  EXPECT_EQ(eth0["lldp"]["ttlSeconds"], 10);
}

}  // namespace
}  // namespace bmf::testing
