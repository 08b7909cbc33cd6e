// bmc_proxy_bench: N emulated BMCs answering after L ms each (bmf-bmc-emulator),
// bmf-bmc-proxy over HTTPS in front of them, and one tenant that holds a lease
// on every node powering them all on at once through the proxy.
// Prints the total time, per-request p50/p99 and the proxy's RSS.
//   build/bench/bmc_proxy_bench [N=1000] [LATENCY_MS=100]
// The coordinator's lease API is stood in for by a small in-process server
// answering GET /api/v1/leases with every node leased to the tenant.
#include <boost/asio/io_context.hpp>
#include <fmt/core.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "bmc-proxy/credentials/tenant_directory.h"
#include "common/http/curl_client.h"
#include "common/http/http_server.h"
#include "tests/support/child_process.h"
#include "tests/support/process_stats.h"
#include "tests/support/temp_dir.h"

using Clock = std::chrono::steady_clock;
using namespace bmf;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int latency_ms = argc > 2 ? std::atoi(argv[2]) : 100;
  testing::raise_open_file_limit();
  testing::TempDir dir;
  auto path = [&](const std::string& f) { return (dir.path() / f).string(); };
  const std::string build = BMF_BUILD_DIR;

  testing::ChildProcess emulator({build + "/tests/lab/bmf-bmc-emulator", "--count", std::to_string(n), "--latency-ms",
                                  std::to_string(latency_ms)},
                                 dir.path() / "emulator.log");
  std::vector<std::string> addr(n), pw(n);
  const std::regex ready(R"(BMC_READY bmc-(\d+) (127\.0\.0\.1:\d+) admin (\S+))");
  if (!testing::eventually([&] {
        std::string log = emulator.log();
        int seen = 0;
        for (std::sregex_iterator it(log.begin(), log.end(), ready), end; it != end; ++it, ++seen) {
          int i = std::stoi((*it)[1]);
          addr[i] = (*it)[2];
          pw[i] = (*it)[3];
        }
        return seen == n;
      }, std::chrono::seconds(60))) {
    fmt::print(stderr, "emulator did not start {} BMCs:\n{}\n", n, emulator.log().substr(0, 2000));
    return 1;
  }

  // BMC file (node i+1 -> BMC i) and the tenant.
  std::string bmcs = "{\"bmcs\": [";
  for (int i = 0; i < n; ++i) {
    bmcs += fmt::format(R"({}{{"node_id": {}, "url": "http://{}", "username": "admin", "password": "{}",
                          "system_path": "/redfish/v1/Systems/1", "manager_path": "/redfish/v1/Managers/bmc-{}"}})",
                        i ? "," : "", i + 1, addr[i], pw[i], i);
  }
  std::ofstream(path("bmcs.json")) << bmcs << "]}";
  std::ofstream(path("principals.json")) << fmt::format(R"({{"principals": [{{"name": "bench", "password_hash": "{}"}}]}})",
                                                        bmcproxy::hash_password("bench-pw"));
  ::chmod(path("bmcs.json").c_str(), 0600);
  ::chmod(path("principals.json").c_str(), 0600);
  // The stand-in coordinator below does not check it; the proxy requires one.
  std::ofstream(path("proxy.token")) << "bmf_bench\n";
  ::chmod(path("proxy.token").c_str(), 0600);
  std::system(fmt::format("cd {} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                          "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>/dev/null",
                          dir.path().string()).c_str());

  // The coordinator's lease API: the whole list once, then long-polls that never end.
  boost::asio::io_context io(1);
  std::string leases = R"({"revision":"1","leases":[)";
  for (int i = 0; i < n; ++i) leases += fmt::format(R"({}{{"nodeId":"{}","project":"bench","active":true}})", i ? "," : "", i + 1);
  leases += "]}";
  std::vector<http::HttpServer::Reply> parked;
  http::HttpServer coordinator(io, {}, [&](http::Request r, http::HttpServer::Reply reply) {
    if (r.target.find("after_revision=1") != std::string::npos) parked.push_back(std::move(reply));
    else reply({200, leases, {}, "application/json"});
  });
  const auto coordinator_port = *coordinator.start();

  testing::ChildProcess proxy({build + "/bmc-proxy/bmf-bmc-proxy", "--listen", "127.0.0.1:0", "--tls-cert", path("cert.pem"),
                               "--tls-key", path("key.pem"), "--bmcs", path("bmcs.json"), "--principals", path("principals.json"),
                               "--coordinator-token-file", path("proxy.token"), "--coordinator", fmt::format("http://127.0.0.1:{}", coordinator_port), "--metrics-listen", "",
                               "--log-level", "info"},
                              dir.path() / "proxy.log");
  http::CurlMultiClient client(io, {.max_connections_per_host = n, .max_total_connections = 2L * n});
  std::string proxy_addr;
  std::smatch m;
  if (!testing::eventually([&] { std::string l = proxy.log();
                                 return std::regex_search(l, m, std::regex(R"(redfish=https://(127\.0\.0\.1:\d+))")); },
                           std::chrono::seconds(30))) {
    fmt::print(stderr, "proxy did not start:\n{}\n", proxy.log());
    return 1;
  }
  proxy_addr = m[1];
  const long rss_idle = testing::proc_status_kib(proxy.pid());

  auto call = [&](int node, std::function<void(Result<http::HttpReply>)> done) {
    client.perform({.method = "POST",
                    .url = fmt::format("https://{}/redfish/v1/Systems/{}/Actions/ComputerSystem.Reset", proxy_addr, node),
                    .body = R"({"ResetType":"On"})",
                    .headers = {{"Content-Type", "application/json"}},
                    .username = "bench",
                    .password = "bench-pw",
                    .ca_file = path("cert.pem"),
                    .timeout = std::chrono::seconds(30)},
                   std::move(done));
  };
  // Wait until the proxy has the leases (a tenant GET of node 1 answers 200).
  for (bool ok = false; !ok;) {
    int status = 0;
    client.perform({.url = fmt::format("https://{}/redfish/v1/Systems/1", proxy_addr), .username = "bench", .password = "bench-pw",
                    .ca_file = path("cert.pem")},
                   [&](Result<http::HttpReply> r) { status = r.ok() ? r->status : -1; });
    while (status == 0) io.run_one();
    ok = status == 200;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // CPU seconds used by a process so far (utime + stime from /proc/PID/stat).
  auto cpu_s = [](pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string f;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stol(f);
      if (i == 15) stime = std::stol(f);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
  };
  const double proxy_cpu_before = cpu_s(proxy.pid()), emulator_cpu_before = cpu_s(emulator.pid());
  std::vector<double> latencies;
  int failures = 0, answered = 0;
  const auto start = Clock::now();
  for (int i = 1; i <= n; ++i) {
    const auto sent = Clock::now();
    call(i, [&, sent](Result<http::HttpReply> r) {
      ++answered;
      if (!r.ok() || r->status != 204) {
        if (++failures <= 3) fmt::print(stderr, "failure: {}\n", r.ok() ? fmt::format("{} {}", r->status, r->body) : r.status().to_string());
        return;
      }
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    });
  }
  while (answered < n) io.run_one();
  const double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, std::size_t(p * latencies.size()))]; };

  fmt::print("bmc_proxy_bench: {} BMCs, {} ms BMC latency, power-on of every node through the proxy (HTTPS, Basic auth)\n", n,
             latency_ms);
  fmt::print("  total {:.0f} ms (target < 3000), succeeded {}/{}\n", total_ms, n - failures, n);
  fmt::print("  per request p50 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms\n", pct(0.5), pct(0.99), latencies.empty() ? 0.0 : latencies.back());
  fmt::print("  CPU during the run: proxy {:.2f} s, emulated BMCs {:.2f} s\n", cpu_s(proxy.pid()) - proxy_cpu_before,
             cpu_s(emulator.pid()) - emulator_cpu_before);
  fmt::print("  proxy RSS idle {:.1f} MB, after {:.1f} MB, peak {:.1f} MB\n", rss_idle / 1024.0,
             testing::proc_status_kib(proxy.pid()) / 1024.0, testing::proc_status_kib(proxy.pid(), "VmHWM") / 1024.0);
  for (auto& reply : parked) reply({200, leases, {}, "application/json"});
  proxy.stop();
  emulator.stop();
  return failures == 0 ? 0 : 1;
}
