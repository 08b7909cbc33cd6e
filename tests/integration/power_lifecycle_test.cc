// End to end with real peers for power: a real coordinator driving bmf-bmc-proxy (as its
// service user) in front of the lab's BMC emulator, whose power hook really starts and stops
// each node's bmf-agent. The hotpool powers nodes off and on through it, an allocation of a
// warm node powers it on with the ETA and waits for its agent, and a release power-cycles the
// node into "discovery" (network boot once) before it is free again.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_admin.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;
const std::string kSource = BMF_SOURCE_DIR;
const std::string kBmfctl = kBuild + "/coordinator/cli/bmfctl";
const std::vector<std::string> kMachines = {"cpu-node", "gpu-node", "edge-node"};

class PowerLifecycleTest : public ::testing::Test {
 protected:
  // What a variant of the fixture changes before SetUp: the cleaning's wipe, the BMCs' failure
  // rate, and the agents' extra flags.
  std::string wipe_ = "off";
  double failure_rate_ = 0;
  std::string agent_flags_;
  std::vector<std::string> coordinator_flags_;

  void SetUp() override {
    if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl not installed";
    std::ofstream(path("token")) << "lab-token\n";
    init_coordinator_admin(path("state"));
    const std::uint16_t proxy_port = free_loopback_port();
    std::vector<std::string> argv = {kBuild + "/coordinator/bmf-coordinator", "--state-dir", path("state"), "--agent-listen",
                                 "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--enrollment-token-file", path("token"),
                                 "--heartbeat-interval-ms", "300", "--bmc-proxy", fmt::format("http://127.0.0.1:{}", proxy_port),
                                 "--bmc-proxy-token-file", path("coordinator.token"), "--boot-timeout-s", "20",
                                 "--boot-eta-s", "3", "--wipe", wipe_};
    argv.insert(argv.end(), coordinator_flags_.begin(), coordinator_flags_.end());
    coordinator_ = std::make_unique<ChildProcess>(argv, dir_.path() / "coordinator.log");
    std::smatch m;
    ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log();
                                 return std::regex_search(l, m, std::regex(R"(agents=127\.0\.0\.1:(\d+) api=127\.0\.0\.1:(\d+))")); },
                           std::chrono::seconds(10)))
        << coordinator_->log();
    const std::string agent_port = m[1];
    api_ = fmt::format("http://127.0.0.1:{}", std::string(m[2]));

    // Power on starts the node's agent (a "boot"), off stops it; a restart does both. A machine
    // with a wrap-MACHINE.sh (the wipe test's private /dev) boots its agent through it.
    std::ofstream hook(path("power-hook.sh"));
    hook << "#!/bin/sh\n"
         << "case \"$1\" in bmc-0) m=cpu-node;; bmc-1) m=gpu-node;; bmc-2) m=edge-node;; *) exit 1;; esac\n"
         << "pidf=" << path("agent-") << "$m.pid\n"
         << "[ -f \"$pidf\" ] && kill \"$(cat \"$pidf\")\" 2>/dev/null; rm -f \"$pidf\"\n"
         << "echo \"$(date +%s.%N) $m $3\" >> " << path("power.log") << "\n"
         << "[ \"$3\" = On ] || exit 0\n"
         << "w=" << path("wrap-") << "$m.sh; [ -x \"$w\" ] || w=\n"
         << "$w " << kBuild << "/agent/bmf-agent --coordinator 127.0.0.1:" << agent_port << " --root " << kSource
         << "/tests/fixtures/$m --hostname $m --enrollment-token-file " << path("token") << " --lldp-wait-ms 0 --backoff-max-ms 300 "
         << agent_flags_ << " >> " << path("agent-") << "$m.log 2>&1 &\n"
         << "echo $! > \"$pidf\"\n";
    hook.close();
    ::chmod(path("power-hook.sh").c_str(), 0755);
    emulator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/tests/lab/bmf-bmc-emulator", "--count", "3", "--latency-ms", "100", "--power-hook",
                                 path("power-hook.sh"), "--failure-rate", fmt::format("{}", failure_rate_)},
        dir_.path() / "emulator.log");
    ASSERT_TRUE(eventually([&] {
      std::string l = emulator_->log();
      for (int i = 0; i < 3; ++i) {
        if (!std::regex_search(l, m, std::regex(fmt::format(R"(BMC_READY bmc-{} (127\.0\.0\.1:\d+) admin (\S+))", i)))) return false;
        bmc_addr_[i] = m[1];
        bmc_pw_[i] = m[2];
      }
      return true;
    }, std::chrono::seconds(5))) << emulator_->log();
    // Enrollment: an operator powers each machine on once; its agent registers from the discovery image.
    for (int i = 0; i < 3; ++i) ASSERT_EQ(bmc_reset(i, "On"), 204) << emulator_->log();
    ASSERT_TRUE(eventually([&] { return node_ids().size() == 3; }, std::chrono::seconds(15))) << coordinator_->log();
    auto ids = node_ids();

    nlohmann::json bmcs = {{"bmcs", nlohmann::json::array()}};
    for (int i = 0; i < 3; ++i) {
      bmcs["bmcs"].push_back({{"node_id", ids[kMachines[i]]}, {"url", "http://" + bmc_addr_[i]}, {"username", "admin"},
                              {"password", bmc_pw_[i]}});
    }
    write_secret("bmcs.json", bmcs.dump());
    for (const std::string& cmd : {std::string("project add team-a"), std::string("user add bmc-proxy --role service"),
                                   "token create --user bmc-proxy --output-file " + path("proxy.token"),
                                   std::string("user add coordinator --role service"),
                                   "token create --user coordinator --output-file " + path("coordinator.token"),
                                   std::string("class add any")}) {
      auto [rc, out] = bmfctl(cmd);
      ASSERT_EQ(rc, 0) << cmd << ": " << out;
    }
    proxy_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/bmc-proxy/bmf-bmc-proxy", "--insecure-http", "--listen",
                                 fmt::format("127.0.0.1:{}", proxy_port), "--bmcs", path("bmcs.json"), "--coordinator", api_,
                                 "--coordinator-token-file", path("proxy.token"), "--audit-log", path("audit.jsonl"),
                                 "--metrics-listen", ""},  // off: the default port would collide with parallel tests
        dir_.path() / "proxy.log");
    ASSERT_TRUE(eventually([&] { return proxy_->log().find("redfish=http://127.0.0.1:") != std::string::npos; },
                           std::chrono::seconds(10)))
        << proxy_->log();
  }

  std::string path(const std::string& name) { return (dir_.path() / name).string(); }
  void write_secret(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;
    ::chmod(path(name).c_str(), 0600);
  }
  std::pair<int, std::string> bmfctl(const std::string& args) {
    return run_command(fmt::format("{} --coordinator {} {} 2>&1", kBmfctl, api_, args));
  }
  // The operator's own Redfish calls; a 503 (the flaky-BMC variant's injected failure: nothing
  // was done) is asked again.
  int bmc_reset(int i, const std::string& type) {
    for (int attempt = 0;; ++attempt) {
      auto [rc, out] = run_command(fmt::format("curl -s -o /dev/null -w '%{{http_code}}' -u admin:{} -H 'Content-Type: application/json' "
                                               "--data '{{\"ResetType\":\"{}\"}}' http://{}/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                                               bmc_pw_[i], type, bmc_addr_[i]));
      const int code = rc == 0 ? std::atoi(out.c_str()) : -1;
      if (code != 503 || attempt == 20) return code;
    }
  }
  std::string bmc_power(int i) {
    for (int attempt = 0;; ++attempt) {
      auto [rc, out] = run_command(fmt::format("curl -s -u admin:{} http://{}/redfish/v1/Systems/1", bmc_pw_[i], bmc_addr_[i]));
      auto doc = nlohmann::json::parse(out, nullptr, false);
      if ((doc.is_object() && doc.contains("PowerState")) || attempt == 20) return doc.is_object() ? doc.value("PowerState", "?") : "?";
    }
  }
  std::map<std::string, std::uint64_t> node_ids() {
    std::map<std::string, std::uint64_t> ids;
    for (const auto& [name, n] : nodes()) ids[name] = std::stoull(n["id"].get<std::string>());
    return ids;
  }
  std::map<std::string, nlohmann::json> nodes() {
    auto [rc, out] = bmfctl("node list -o json");
    std::map<std::string, nlohmann::json> by_name;
    auto doc = nlohmann::json::parse(out, nullptr, false);
    if (rc != 0 || doc.is_discarded()) return by_name;
    for (auto& n : doc.value("nodes", nlohmann::json::array())) by_name[n["identity"]["hostname"]] = n;
    return by_name;
  }
  int count_tier(const std::string& tier) {
    int n = 0;
    for (const auto& [name, node] : nodes()) {
      // warm: free and powered off as read back from the BMC (not merely without an agent).
      n += node.value("hotpoolTier", "") == tier && (tier != "warm" || node.value("powerState", "") == "POWER_STATE_OFF");
    }
    return n;
  }

  TempDir dir_;
  std::string api_;
  std::string bmc_addr_[3], bmc_pw_[3];
  std::unique_ptr<ChildProcess> coordinator_, emulator_, proxy_;

 public:
  void TearDown() override {
    for (const auto& m : kMachines) {  // the agents the hook started
      std::ifstream pid(path("agent-" + m + ".pid"));
      int p = 0;
      if (pid >> p && p > 0) ::kill(p, SIGKILL);
    }
  }
};

TEST_F(PowerLifecycleTest, HotpoolPowersOffAndOn_WarmAllocationBootsWithEta_ReleasePowerCyclesIntoDiscovery) {
  // max 0: every free node is powered off through the proxy; their agents stop.
  auto [rc, out] = bmfctl("hotpool set any --min 0 --max 0");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(eventually([&] { return count_tier("warm") == 3; }, std::chrono::seconds(15)))
      << bmfctl("node list").second << coordinator_->log();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bmc_power(i), "Off");
  std::tie(rc, out) = bmfctl("hotpool");
  EXPECT_NE(out.find("any    0    3     0"), std::string::npos) << out;

  // A warm node for team-a: powered on through the proxy, its agent registers, ready.
  std::tie(rc, out) = bmfctl("allocate --project team-a --count 1 --class any --timeout 60");
  ASSERT_EQ(rc, 0) << out << coordinator_->log();
  EXPECT_NE(out.find("powering_on"), std::string::npos) << out;
  EXPECT_NE(out.find("ETA 3.0 s"), std::string::npos) << out;
  EXPECT_NE(out.find("powered_on"), std::string::npos) << out;
  EXPECT_NE(out.find("ready: nodes"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(allocation (\d+):)")));
  const std::string allocation = m[1];
  int on = 0;
  for (int i = 0; i < 3; ++i) on += bmc_power(i) == "On";
  EXPECT_EQ(on, 1) << "exactly the allocated node was powered on";
  // The proxy saw the coordinator's service user set a network boot and power on.
  std::ifstream audit_file(path("audit.jsonl"));
  std::string audit((std::istreambuf_iterator<char>(audit_file)), {});
  EXPECT_NE(audit.find("\"principal\":\"coordinator\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("set_boot"), std::string::npos) << audit;

  // Release: ports back, power-cycled into discovery (a restart: the agent re-registers), then free.
  std::tie(rc, out) = bmfctl("release " + allocation + " --timeout 60");
  ASSERT_EQ(rc, 0) << out << coordinator_->log();
  for (const char* stage : {"releasing", "ports_released", "cleaning", "released"}) {
    EXPECT_NE(out.find(stage), std::string::npos) << stage << " missing in: " << out;
  }
  EXPECT_NE(out.find("available"), std::string::npos) << out;
  std::ifstream power_log(path("power.log"));
  std::string power((std::istreambuf_iterator<char>(power_log)), {});
  EXPECT_GE(std::count(power.begin(), power.end(), '\n'), 3 + 3 + 2) << "enrollment, hotpool off, on, restart: " << power;
  // Free again and above the target (max 0): the hotpool powers it off once more.
  EXPECT_TRUE(eventually([&] { return count_tier("warm") == 3; }, std::chrono::seconds(15))) << bmfctl("node list").second;

  // min 2: two nodes are powered on and become hot when their agents are up.
  std::tie(rc, out) = bmfctl("hotpool set any --min 2 --max 2");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(eventually([&] { return count_tier("hot") == 2; }, std::chrono::seconds(20))) << bmfctl("node list").second;
  EXPECT_EQ(count_tier("warm"), 1);
  std::tie(rc, out) = bmfctl("events --limit 200");
  EXPECT_NE(out.find("HOTPOOL_EMPTY"), std::string::npos) << out;
}

}  // namespace
}  // namespace bmf::testing

namespace bmf::testing {
namespace {

TEST_F(PowerLifecycleTest, BmcsStopAnswering_WarmNodesGoToMaintenanceWithTheReason_TheAllocationFailsAndSaysWhy) {
  auto [rc, out] = bmfctl("hotpool set any --min 0 --max 0");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(eventually([&] { return count_tier("warm") == 3; }, std::chrono::seconds(15))) << bmfctl("node list").second;
  emulator_.reset();  // every BMC gone: the proxy answers 503 for them
  std::tie(rc, out) = bmfctl("allocate --project team-a --count 1 --class any --timeout 60");
  EXPECT_NE(rc, 0) << out;
  ASSERT_NE(out.find("allocation "), std::string::npos) << out << bmfctl("node list").second << coordinator_->log();
  EXPECT_NE(out.find("powering_on"), std::string::npos) << out;
  EXPECT_NE(out.find("power-on failed"), std::string::npos) << out;
  EXPECT_NE(out.find("no free node replaces it"), std::string::npos) << out;
  // Each node it tried is in maintenance with the reason; none is left allocated.
  int maintenance = 0;
  for (const auto& [name, node] : nodes()) {
    EXPECT_NE(node.value("state", ""), "NODE_STATE_ALLOCATED") << name;
    if (node.value("state", "") == "NODE_STATE_MAINTENANCE") {
      ++maintenance;
      EXPECT_NE(node.value("stateReason", "").find("power-on failed"), std::string::npos) << node.dump();
    }
  }
  EXPECT_EQ(maintenance, 3) << "the first node and both replacements: " << bmfctl("node list").second;
}

}  // namespace
}  // namespace bmf::testing

namespace bmf::testing {
namespace {

// BMCs that answer 503 to a quarter of the requests (the emulator's failure injection): the proxy
// retries its reads, the coordinator its boot settings and the resets the BMC says it did not
// take; every power change is still read back before it counts.
class FlakyBmcTest : public PowerLifecycleTest {
 protected:
  void SetUp() override {
    failure_rate_ = 0.25;
    coordinator_flags_ = {"--bmc-attempts", "8"};  // 0.25^8: one call in 65,000 fails for good
    PowerLifecycleTest::SetUp();
  }
};

TEST_F(FlakyBmcTest, OneAnswerInFourIs503_HotpoolAllocationAndReleaseStillDone) {
  auto [rc, out] = bmfctl("hotpool set any --min 0 --max 0");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(eventually([&] { return count_tier("warm") == 3; }, std::chrono::seconds(30)))
      << bmfctl("node list").second << coordinator_->log();
  std::tie(rc, out) = bmfctl("allocate --project team-a --count 2 --class any --timeout 90");
  ASSERT_EQ(rc, 0) << out << coordinator_->log();
  EXPECT_NE(out.find("ready: nodes"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(allocation (\d+):)")));
  int on = 0;
  for (int i = 0; i < 3; ++i) on += bmc_power(i) == "On";
  EXPECT_EQ(on, 2) << "the two allocated nodes, read back from their BMCs";
  std::tie(rc, out) = bmfctl("release " + std::string(m[1]) + " --timeout 90");
  ASSERT_EQ(rc, 0) << out << coordinator_->log();
  EXPECT_TRUE(eventually([&] { return count_tier("warm") == 3; }, std::chrono::seconds(30))) << bmfctl("node list").second;
  for (const auto& [name, node] : nodes()) EXPECT_EQ(node.value("state", ""), "NODE_STATE_AVAILABLE") << name << node.dump();
  // The failures were real: the emulator says how many it answered.
  const std::string log = emulator_->log();
  std::size_t injected = 0;
  for (std::size_t at = 0; (at = log.find("BMC_INJECTED_FAILURE", at)) != std::string::npos; ++at) ++injected;
  EXPECT_GE(injected, 5u) << log;
  std::cout << "injected 503s: " << injected << "\n";
}

// A release wipes the disks the node's agent reported, through the real agent (--allow-wipe) on
// loop devices: each agent boots in a private /dev whose disk nodes (the fixture's names) are
// loop devices this test made and filled with a pattern.
class ReleaseWipeTest : public PowerLifecycleTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: loop devices and a private /dev per agent";
    if (run_command("command -v losetup && command -v unshare && command -v mknod").first != 0) {
      GTEST_SKIP() << "losetup/unshare/mknod missing";
    }
    // cpu-node reports sda and sdb (and loop0, which its inventory leaves out: a bystander);
    // gpu-node reports nvme0n1 and nvme1n1, and only nvme0n1 will exist: its wipe fails.
    for (const std::string name : {"sda", "sdb", "loop0", "nvme0n1"}) {
      const std::string image = path(name + ".img");
      ASSERT_EQ(run_command(fmt::format("head -c 4194304 /dev/zero | tr '\\000' '\\253' > {}", image)).first, 0);
      auto [rc, dev] = run_command("losetup --find --show " + image);
      if (rc != 0) GTEST_SKIP() << "no loop device: " << dev;
      dev.erase(dev.find_last_not_of("\n") + 1);
      loops_[name] = dev;
    }
    auto mknod = [&](const std::string& name) {
      struct stat st {};
      EXPECT_EQ(::stat(loops_[name].c_str(), &st), 0) << loops_[name];
      return fmt::format("mknod -m 600 /dev/{} b {} {} && ", name, major(st.st_rdev), minor(st.st_rdev));
    };
    const std::string base =
        "mount -t tmpfs -o mode=755 bmf-dev /dev && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 && "
        "mknod -m 666 /dev/urandom c 1 9 && ";
    write_wrap("cpu-node", base + mknod("sda") + mknod("sdb") + mknod("loop0"));
    write_wrap("gpu-node", base + mknod("nvme0n1"));
    wipe_ = "zero";
    agent_flags_ = "--allow-wipe";
    PowerLifecycleTest::SetUp();
  }
  void TearDown() override {
    PowerLifecycleTest::TearDown();
    for (const auto& [name, dev] : loops_) (void)run_command("losetup -d " + dev);
  }
  void write_wrap(const std::string& machine, const std::string& setup) {
    std::ofstream w(path("wrap-" + machine + ".sh"));
    w << "#!/bin/sh\nexec unshare -m --propagation private sh -c '" << setup << "exec \"$@\"' sh \"$@\"\n";
    w.close();
    ::chmod(path("wrap-" + machine + ".sh").c_str(), 0755);
  }
  // Bytes of the loop device that are not 0 (-1 when unreadable).
  long nonzero_bytes(const std::string& name) {
    auto [rc, out] = run_command(fmt::format("tr -d '\\000' < {} | wc -c", loops_[name]));
    return rc == 0 ? std::atol(out.c_str()) : -1;
  }
  std::map<std::string, std::string> loops_;
};

TEST_F(ReleaseWipeTest, ReleasedNodesDisksZeroedByTheirAgent_AFailedWipeGoesToMaintenanceWithTheReason) {
  ASSERT_EQ(nonzero_bytes("sda"), 4194304);
  auto [rc, out] = bmfctl("allocate --project team-a --count 3 --class any --timeout 60");
  ASSERT_EQ(rc, 0) << out << coordinator_->log();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(allocation (\d+):)")));
  EXPECT_EQ(nonzero_bytes("sda"), 4194304) << "nothing is wiped while the tenant has the node";

  // Release: power-cycled into discovery through the proxy, each agent re-registers and is told
  // to zero the disks of its inventory.
  std::tie(rc, out) = bmfctl("release " + std::string(m[1]) + " --timeout 60");
  ASSERT_TRUE(eventually(
      [&] {
        auto n = nodes();
        return n["cpu-node"].value("state", "") == "NODE_STATE_AVAILABLE" && n["edge-node"].value("state", "") == "NODE_STATE_AVAILABLE" &&
               n["gpu-node"].value("state", "") == "NODE_STATE_MAINTENANCE";
      },
      std::chrono::seconds(30)))
      << out << bmfctl("node list").second << coordinator_->log();
  EXPECT_EQ(nonzero_bytes("sda"), 0) << "sda zeroed";
  EXPECT_EQ(nonzero_bytes("sdb"), 0) << "sdb zeroed";
  EXPECT_EQ(nonzero_bytes("loop0"), 4194304) << "a disk the inventory does not report is never touched";
  auto n = nodes();
  EXPECT_NE(n["cpu-node"].value("stateReason", "").find("wiped"), std::string::npos) << n["cpu-node"].dump();
  EXPECT_NE(n["edge-node"].value("stateReason", "").find("no disks to wipe"), std::string::npos) << n["edge-node"].dump();
  const std::string why = n["gpu-node"].value("stateReason", "");
  EXPECT_NE(why.find("wipe failed"), std::string::npos) << why << coordinator_->log();
  EXPECT_NE(why.find("/dev/nvme1n1"), std::string::npos) << why;
  std::tie(rc, out) = bmfctl("events --limit 100");
  EXPECT_NE(out.find("wiped"), std::string::npos) << out;
}

}  // namespace
}  // namespace bmf::testing
