// End to end: a real bmf-coordinator and three real bmf-agent processes on
// loopback, read back through bmfctl's JSON exactly as an operator would.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_admin.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;
const std::string kSource = BMF_SOURCE_DIR;
const std::string kCoordinator = kBuild + "/coordinator/bmf-coordinator";
const std::string kAgent = kBuild + "/agent/bmf-agent";
const std::string kBmfctl = kBuild + "/coordinator/cli/bmfctl";

class RegistrationLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "token") << "lab-token\n";
    init_coordinator_admin(dir_.path() / "state");
  }

  // Starts the coordinator; first on port 0 (kernel picks), later on the same ports.
  void start_coordinator(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kCoordinator,
                                     "--state-dir", (dir_.path() / "state").string(),
                                     "--agent-listen", fmt::format("127.0.0.1:{}", agent_port_),
                                     "--api-listen", fmt::format("127.0.0.1:{}", api_port_),
                                     "--heartbeat-interval-ms", "200",
                                     "--missed-heartbeats", "3",
                                     "--enrollment-token-file", (dir_.path() / "token").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    coordinator_ = std::make_unique<ChildProcess>(argv, dir_.path() / fmt::format("coordinator-{}.log", ++starts_));
    std::smatch m;
    std::regex started(R"(COORDINATOR_STARTED agents=127\.0\.0\.1:(\d+) api=127\.0\.0\.1:(\d+))");
    ASSERT_TRUE(eventually(
        [&] {
          std::string log = coordinator_->log();
          if (!std::regex_search(log, m, started)) return false;
          agent_port_ = std::stoi(m[1]);
          api_port_ = std::stoi(m[2]);
          return true;
        },
        std::chrono::seconds(10)))
        << coordinator_->log();
  }

  std::unique_ptr<ChildProcess> start_agent(const std::string& machine, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kAgent,
                                     "--coordinator", fmt::format("127.0.0.1:{}", agent_port_),
                                     "--root", kSource + "/tests/fixtures/" + machine,
                                     "--hostname", machine,
                                     "--enrollment-token-file", (dir_.path() / "token").string(),
                                     "--backoff-initial-ms", "50",
                                     "--backoff-max-ms", "400"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(argv, dir_.path() / (machine + ".log"));
  }

  // bmfctl node list -o json, keyed by hostname.
  std::map<std::string, nlohmann::json> nodes() {
    auto [rc, out] = run_command(fmt::format("{} --coordinator http://127.0.0.1:{} node list -o json 2>&1", kBmfctl, api_port_));
    std::map<std::string, nlohmann::json> by_host;
    if (rc != 0) return by_host;
    auto doc = nlohmann::json::parse(out, nullptr, false);
    if (doc.is_discarded()) return by_host;
    for (auto& n : doc.value("nodes", nlohmann::json::array())) by_host[n["identity"]["hostname"]] = n;
    return by_host;
  }

  bool states_are(const std::map<std::string, std::string>& want) {
    auto got = nodes();
    if (got.size() != want.size()) return false;
    for (auto& [host, state] : want) {
      if (!got.count(host) || got[host]["state"] != state) return false;
    }
    return true;
  }

  TempDir dir_;
  int agent_port_ = 0;
  int api_port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> coordinator_;
};

constexpr auto kAvailable = "NODE_STATE_AVAILABLE";
constexpr auto kUnreachable = "NODE_STATE_UNREACHABLE";

TEST_F(RegistrationLifecycleTest, ThreeAgents_AvailableThenUnreachableThenStateSurvivesRestart) {
  start_coordinator();
  auto gpu = start_agent("gpu-node");
  auto cpu = start_agent("cpu-node");
  auto edge = start_agent("edge-node");

  ASSERT_TRUE(eventually([&] { return states_are({{"gpu-node", kAvailable}, {"cpu-node", kAvailable}, {"edge-node", kAvailable}}); },
                         std::chrono::seconds(10)))
      << coordinator_->log();
  auto before = nodes();
  EXPECT_EQ(before["gpu-node"]["identity"]["systemUuid"], "4c4c4544-0047-3610-8052-b4c04f335a33");
  EXPECT_EQ(before["gpu-node"]["inventory"]["cpuThreads"], 224);
  EXPECT_EQ(before["edge-node"]["identity"]["systemUuid"], "");  // all-zero placeholder dropped

  // Garbage on the agent port must not disturb anyone else.
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(agent_port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_GT(::write(fd, junk, sizeof(junk) - 1), 0);
    ::close(fd);
  }

  // A killed agent stops heartbeating: unreachable after 3 x 200 ms.
  cpu->stop(SIGKILL);
  ASSERT_TRUE(eventually([&] { return states_are({{"gpu-node", kAvailable}, {"cpu-node", kUnreachable}, {"edge-node", kAvailable}}); },
                         std::chrono::seconds(5)))
      << coordinator_->log();
  EXPECT_NE(coordinator_->log().find("bad frame magic"), std::string::npos);

  // Restart the coordinator: every record and state is kept, and the live
  // agents reconnect and are matched to their records, not duplicated.
  EXPECT_EQ(coordinator_->stop(SIGTERM), 0) << "clean exit on SIGTERM";
  start_coordinator();
  auto after_restart = nodes();
  ASSERT_EQ(after_restart.size(), 3u);
  EXPECT_EQ(after_restart["cpu-node"]["state"], kUnreachable);
  for (auto& host : {"gpu-node", "cpu-node", "edge-node"}) {
    EXPECT_EQ(after_restart[host]["id"], before[host]["id"]) << host;
  }
  ASSERT_TRUE(eventually(
      [&] {
        auto n = nodes();
        return states_are({{"gpu-node", kAvailable}, {"cpu-node", kUnreachable}, {"edge-node", kAvailable}}) &&
               n["gpu-node"]["registrations"] == 2 && n["edge-node"]["registrations"] == 2;
      },
      std::chrono::seconds(10)))
      << coordinator_->log();
  auto final_nodes = nodes();
  EXPECT_EQ(final_nodes["gpu-node"]["id"], before["gpu-node"]["id"]);

  // The coordinator asks an agent for a fresh inventory; the result is stored.
  auto [cmd_rc, cmd_out] = run_command(fmt::format("{} --coordinator http://127.0.0.1:{} node command {} inventory",
                                                   kBmfctl, api_port_, final_nodes["gpu-node"]["id"].get<std::string>()));
  ASSERT_EQ(cmd_rc, 0) << cmd_out;
  ASSERT_TRUE(eventually(
      [&] {
        auto [rc2, ev] = run_command(fmt::format("{} --coordinator http://127.0.0.1:{} events -o json", kBmfctl, api_port_));
        return ev.find("NODE_INVENTORY_UPDATED") != std::string::npos;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(nodes()["gpu-node"]["hardware"]["gpus"].size(), 8u);

  // The audit trail names what happened.
  auto [rc, events] = run_command(fmt::format("{} --coordinator http://127.0.0.1:{} events -o json", kBmfctl, api_port_));
  ASSERT_EQ(rc, 0);
  for (const char* kind : {"NODE_REGISTERED", "NODE_AVAILABLE", "NODE_UNREACHABLE", "NODE_REREGISTERED"}) {
    EXPECT_NE(events.find(kind), std::string::npos) << kind;
  }
}

TEST_F(RegistrationLifecycleTest, WrongEnrollmentToken_RefusedAndNotStored) {
  start_coordinator();
  std::ofstream(dir_.path() / "bad-token") << "guess\n";
  auto agent = std::make_unique<ChildProcess>(
      std::vector<std::string>{kAgent, "--coordinator", fmt::format("127.0.0.1:{}", agent_port_), "--sysfs-root",
                               kSource + "/tests/fixtures/gpu-node/sys", "--enrollment-token-file",
                               (dir_.path() / "bad-token").string()},
      dir_.path() / "bad-agent.log");
  ASSERT_TRUE(eventually([&] { return agent->log().find("PERMISSION_DENIED") != std::string::npos; },
                         std::chrono::seconds(5)))
      << agent->log();
  EXPECT_TRUE(nodes().empty());
  EXPECT_TRUE(agent->running()) << "the agent keeps retrying with backoff";
}

TEST_F(RegistrationLifecycleTest, Tls_PinnedCertificateAcceptedOtherRefused) {
  auto [rc, out] = run_command(fmt::format(
      "cd {} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=bmf-coordinator -keyout key.pem -out cert.pem >/dev/null 2>&1 && "
      "openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1",
      dir_.path().string()));
  if (rc != 0) GTEST_SKIP() << "openssl CLI unavailable: " << out;
  if (out.size() < 64) GTEST_SKIP() << "openssl printed no fingerprint: " << out;
  std::string pin = out.substr(0, 64);
  start_coordinator({"--tls-cert", (dir_.path() / "cert.pem").string(), "--tls-key", (dir_.path() / "key.pem").string()});

  auto wrong = start_agent("cpu-node", {"--tls", "--coordinator-cert-sha256", std::string(64, 'a')});
  auto good = start_agent("gpu-node", {"--tls", "--coordinator-cert-sha256", pin});
  ASSERT_TRUE(eventually([&] { return states_are({{"gpu-node", kAvailable}}); }, std::chrono::seconds(10)))
      << coordinator_->log() << good->log();
  ASSERT_TRUE(eventually([&] { return wrong->log().find("does not match the pinned") != std::string::npos; },
                         std::chrono::seconds(5)))
      << wrong->log();
  EXPECT_EQ(nodes().count("cpu-node"), 0u);
}

}  // namespace
}  // namespace bmf::testing

namespace bmf::testing {

TEST(BmfctlArguments, BadInput_OneLineErrorAndNonZeroExit) {
  const std::string bmfctl = std::string(BMF_BUILD_DIR) + "/coordinator/cli/bmfctl";
  for (const char* args : {"node show x", "node frob", "events --limit 0", "--coordinator ftp://x:1 node list", "token revoke x",
                           "--coordinator http://127.0.0.1:1 node list"}) {
    auto [rc, out] = run_command(fmt::format("{} {} 2>&1", bmfctl, args));
    EXPECT_NE(rc, 0) << args;
    EXPECT_EQ(out.rfind("bmfctl: error: ", 0), 0u) << args << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << ": " << out;
  }
  auto [rc, help] = run_command(fmt::format("{} node show --help", bmfctl));
  EXPECT_EQ(rc, 0);
  EXPECT_NE(help.find("Usage:"), std::string::npos);
}

}  // namespace bmf::testing
