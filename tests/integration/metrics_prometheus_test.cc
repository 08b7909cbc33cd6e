// The coordinator's /metrics, scraped by a real Prometheus (Debian's package) on
// loopback, and read back through Prometheus' query API.
#include <fmt/core.h>
#include <gtest/gtest.h>

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

TEST(MetricsPrometheus, RealPrometheusScrapesTheCoordinator_NodesByStateThroughItsQueryApi) {
  if (access("/usr/bin/prometheus", X_OK) != 0) GTEST_SKIP() << "prometheus not installed (scripts/setup.sh installs it)";
  if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl not installed";
  TempDir dir;
  auto path = [&](const std::string& n) { return (dir.path() / n).string(); };
  std::ofstream(path("token")) << "lab-token\n";
  init_coordinator_admin(path("state"));
  ChildProcess coordinator({kBuild + "/coordinator/bmf-coordinator", "--state-dir", path("state"), "--agent-listen", "127.0.0.1:0",
                            "--api-listen", "127.0.0.1:0", "--enrollment-token-file", path("token"), "--heartbeat-interval-ms",
                            "200"},
                           dir.path() / "coordinator.log");
  std::smatch m;
  ASSERT_TRUE(eventually([&] { std::string l = coordinator.log();
                               return std::regex_search(l, m, std::regex(R"(agents=127\.0\.0\.1:(\d+) api=127\.0\.0\.1:(\d+))")); },
                         std::chrono::seconds(10)))
      << coordinator.log();
  const std::string agent_port = m[1], api_port = m[2];
  std::vector<std::unique_ptr<ChildProcess>> agents;
  for (const char* machine : {"gpu-node", "cpu-node"}) {
    agents.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{kBuild + "/agent/bmf-agent", "--coordinator", "127.0.0.1:" + agent_port, "--root",
                                 kSource + "/tests/fixtures/" + machine, "--hostname", machine, "--enrollment-token-file", path("token"),
                                 "--lldp-wait-ms", "0"},
        dir.path() / (std::string(machine) + ".log")));
  }
  // The exposition itself passes promtool's checks.
  ASSERT_TRUE(eventually([&] {
    return run_command(fmt::format("curl -sf http://127.0.0.1:{}/metrics", api_port)).second.find("bmf_nodes{state=\"available\"} 2") !=
           std::string::npos;
  }, std::chrono::seconds(10))) << run_command(fmt::format("curl -s http://127.0.0.1:{}/metrics", api_port)).second;
  auto [rc, lint] = run_command(fmt::format("curl -sf http://127.0.0.1:{}/metrics | promtool check metrics 2>&1", api_port));
  EXPECT_EQ(rc, 0) << lint;

  const std::uint16_t prom_port = free_loopback_port();
  std::ofstream(path("prometheus.yml")) << fmt::format(
      "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: bmf-coordinator\n"
      "    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
      api_port);
  ChildProcess prometheus({"/usr/bin/prometheus", "--config.file=" + path("prometheus.yml"), "--storage.tsdb.path=" + path("tsdb"),
                           fmt::format("--web.listen-address=127.0.0.1:{}", prom_port)},
                          dir.path() / "prometheus.log");
  std::string answer;
  const bool seen = eventually([&] {
    answer = run_command(fmt::format("curl -s 'http://127.0.0.1:{}/api/v1/query?query=bmf_nodes%7Bstate%3D%22available%22%7D'", prom_port))
                 .second;
    auto doc = nlohmann::json::parse(answer, nullptr, false);
    if (!doc.is_object() || doc.value("status", "") != "success") return false;
    auto result = doc["data"]["result"];
    return result.is_array() && !result.empty() && result[0]["value"][1] == "2";
  }, std::chrono::seconds(30));
  EXPECT_TRUE(seen) << answer << "\n" << prometheus.log();
  // The scrape itself is healthy.
  answer = run_command(fmt::format("curl -s 'http://127.0.0.1:{}/api/v1/query?query=up%7Bjob%3D%22bmf-coordinator%22%7D'", prom_port)).second;
  EXPECT_NE(answer.find("\"1\"]"), std::string::npos) << answer;
}

}  // namespace
}  // namespace bmf::testing
