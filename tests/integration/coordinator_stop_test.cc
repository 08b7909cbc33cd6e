// SIGTERM on a real bmf-coordinator: it stops accepting, drains, and exits within
// --stop-timeout-s even while a switch transaction hangs on a switch that accepts TCP and never
// speaks SSH (before, joining that transaction's thread held the exit for its SSH timeouts).
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_admin.h"
#include "tests/support/temp_dir.h"

namespace bmf::testing {
namespace {

const std::string kBuild = BMF_BUILD_DIR;

class CoordinatorStopTest : public ::testing::Test {
 protected:
  void SetUp() override { init_coordinator_admin(dir_.path() / "state"); }
  void start() {
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/coordinator/bmf-coordinator", "--state-dir", (dir_.path() / "state").string(),
                                 "--agent-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--stop-timeout-s", "1"},
        dir_.path() / "coordinator.log");
    std::smatch m;
    ASSERT_TRUE(eventually([&] { std::string l = coordinator_->log();
                                 return std::regex_search(l, m, std::regex(R"(api=127\.0\.0\.1:(\d+))")); },
                           std::chrono::seconds(10)))
        << coordinator_->log();
    api_ = fmt::format("http://127.0.0.1:{}", std::string(m[1]));
  }
  std::pair<int, std::string> bmfctl(const std::string& args) {
    return run_command(fmt::format("{}/coordinator/cli/bmfctl --coordinator {} {} 2>&1", kBuild, api_, args));
  }
  // Stops it by SIGTERM; the time it took.
  std::chrono::milliseconds stop() {
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(coordinator_->stop(SIGTERM, std::chrono::seconds(30)), 0) << coordinator_->log();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  }

  TempDir dir_;
  std::string api_;
  std::unique_ptr<ChildProcess> coordinator_;
};

TEST_F(CoordinatorStopTest, NothingInFlight_DrainedAtOnce) {
  start();
  ASSERT_EQ(bmfctl("node list").first, 0);
  auto took = stop();
  EXPECT_LT(took.count(), 1000);
  EXPECT_NE(coordinator_->log().find("COORDINATOR_DRAINED"), std::string::npos) << coordinator_->log();
  EXPECT_NE(coordinator_->log().find("COORDINATOR_STOPPED"), std::string::npos) << coordinator_->log();
}

TEST_F(CoordinatorStopTest, SwitchThatNeverAnswers_ExitWithinTheStopTimeout_TheTransactionNamed) {
  // A "switch" whose TCP port accepts (the kernel's backlog) and never says a word.
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(silent, 16), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len);
  std::ofstream(dir_.path() / "password") << "x\n";
  std::ofstream(dir_.path() / "known_hosts") << "";
  start();
  // Adding a switch checks it: one switch transaction, now stuck in its SSH handshake.
  (void)run_command(fmt::format("timeout 20 {}/coordinator/cli/bmfctl --coordinator {} switch add dead --address 127.0.0.1:{} --user u "
                                "--password-file {} --known-hosts {} >/dev/null 2>&1 &",
                                kBuild, api_, ntohs(addr.sin_port), (dir_.path() / "password").string(),
                                (dir_.path() / "known_hosts").string()));
  ASSERT_TRUE(eventually([&] { return bmfctl("events --limit 5").second.find("SWITCH_SAVED") != std::string::npos; },
                         std::chrono::seconds(5)))
      << bmfctl("events").second << coordinator_->log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the transaction is in its SSH handshake
  EXPECT_EQ(bmfctl("events --limit 5").second.find("SWITCH_CHECK_FAILED"), std::string::npos) << "the switch must not answer";
  auto took = stop();
  EXPECT_LT(took.count(), 2500) << "--stop-timeout-s 1";
  const std::string log = coordinator_->log();
  EXPECT_NE(log.find("COORDINATOR_STOP_TIMEOUT after 1 s: 0 request(s) and 1 switch transaction(s)"), std::string::npos) << log;
  EXPECT_NE(log.find("COORDINATOR_STOPPED (switch transactions abandoned)"), std::string::npos) << log;
  ::close(silent);
}

}  // namespace
}  // namespace bmf::testing
