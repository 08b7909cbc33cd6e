// End to end with real peers for power: a real coordinator driving bmf-bmc-proxy (as its
// service user) in front of the lab's BMC emulator, whose power hook really starts and stops
// each node's bmf-agent. The hotpool powers nodes off and on through it, an allocation of a
// warm node powers it on with the ETA and waits for its agent, and a release power-cycles the
// node into "discovery" (network boot once) before it is free again.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
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
  void SetUp() override {
    if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl not installed";
    std::ofstream(path("token")) << "lab-token\n";
    init_coordinator_admin(path("state"));
    const std::uint16_t proxy_port = free_loopback_port();
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/coordinator/bmf-coordinator", "--state-dir", path("state"), "--agent-listen",
                                 "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--enrollment-token-file", path("token"),
                                 "--heartbeat-interval-ms", "300", "--bmc-proxy", fmt::format("http://127.0.0.1:{}", proxy_port),
                                 "--bmc-proxy-token-file", path("coordinator.token"), "--boot-timeout-s", "20",
                                 "--boot-eta-s", "3", "--wipe", "off"},
        dir_.path() / "coordinator.log");
    std::smatch m;
    ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log();
                                 return std::regex_search(l, m, std::regex(R"(agents=127\.0\.0\.1:(\d+) api=127\.0\.0\.1:(\d+))")); },
                           std::chrono::seconds(10)))
        << coordinator_->log();
    const std::string agent_port = m[1];
    api_ = fmt::format("http://127.0.0.1:{}", std::string(m[2]));

    // Power on starts the node's agent (a "boot"), off stops it; a restart does both.
    std::ofstream hook(path("power-hook.sh"));
    hook << "#!/bin/sh\n"
         << "case \"$1\" in bmc-0) m=cpu-node;; bmc-1) m=gpu-node;; bmc-2) m=edge-node;; *) exit 1;; esac\n"
         << "pidf=" << path("agent-") << "$m.pid\n"
         << "[ -f \"$pidf\" ] && kill \"$(cat \"$pidf\")\" 2>/dev/null; rm -f \"$pidf\"\n"
         << "echo \"$(date +%s.%N) $m $3\" >> " << path("power.log") << "\n"
         << "[ \"$3\" = On ] || exit 0\n"
         << kBuild << "/agent/bmf-agent --coordinator 127.0.0.1:" << agent_port << " --root " << kSource
         << "/tests/fixtures/$m --hostname $m --enrollment-token-file " << path("token") << " --lldp-wait-ms 0 --backoff-max-ms 300"
         << " >> " << path("agent-") << "$m.log 2>&1 &\n"
         << "echo $! > \"$pidf\"\n";
    hook.close();
    ::chmod(path("power-hook.sh").c_str(), 0755);
    emulator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/tests/lab/bmf-bmc-emulator", "--count", "3", "--latency-ms", "100", "--power-hook",
                                 path("power-hook.sh")},
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
  int bmc_reset(int i, const std::string& type) {
    auto [rc, out] = run_command(fmt::format("curl -s -o /dev/null -w '%{{http_code}}' -u admin:{} -H 'Content-Type: application/json' "
                                             "--data '{{\"ResetType\":\"{}\"}}' http://{}/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                                             bmc_pw_[i], type, bmc_addr_[i]));
    return rc == 0 ? std::atoi(out.c_str()) : -1;
  }
  std::string bmc_power(int i) {
    auto [rc, out] = run_command(fmt::format("curl -s -u admin:{} http://{}/redfish/v1/Systems/1", bmc_pw_[i], bmc_addr_[i]));
    auto doc = nlohmann::json::parse(out, nullptr, false);
    return doc.is_object() ? doc.value("PowerState", "?") : "?";
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
