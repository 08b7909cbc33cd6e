// registration_bench: how long N agents take to register with a real
// bmf-coordinator. Starts the coordinator (temp state dir, loopback), opens N
// connections at once from one Asio loop, sends N distinct Registers and times
// each RegisterReply. Prints total wall time, p50/p99 latency and the
// coordinator's RSS afterwards.
//   registration_bench [N=1000] [path/to/bmf-coordinator]
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/core.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <thread>

#include "common/proto/agent.pb.h"
#include "common/wire/frame_io.h"
#include "tests/support/child_process.h"
#include "tests/support/process_stats.h"
#include "tests/support/temp_dir.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

using bmf::testing::proc_status_kib;

asio::awaitable<void> one_agent(int i, std::uint16_t port, std::vector<double>& latencies_ms, int& failures) {
  auto start = Clock::now();
  tcp::socket socket(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  co_await socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ++failures;
    co_return;
  }
  bmf::proto::Envelope env;
  auto* id = env.mutable_register_()->mutable_identity();
  id->set_system_uuid(fmt::format("00000000-0000-4000-8000-{:012x}", i + 1));
  id->add_macs(fmt::format("02:00:00:{:02x}:{:02x}:{:02x}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff));
  id->set_hostname(fmt::format("bench-{:04}", i));
  env.mutable_register_()->set_agent_version("bench");
  bmf::wire::FrameLimits limits;
  if (!(co_await bmf::wire::write_frame(socket, env.SerializeAsString(), limits)).ok()) {
    ++failures;
    co_return;
  }
  auto reply = co_await bmf::wire::read_frame(socket, limits);
  bmf::proto::Envelope in;
  if (!reply.ok() || !in.ParseFromString(*reply) || !in.has_register_reply()) {
    ++failures;
    co_return;
  }
  latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  socket.close(ec);
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  std::string coordinator = argc > 2 ? argv[2] : std::string(BMF_BUILD_DIR) + "/coordinator/bmf-coordinator";
  bmf::testing::raise_open_file_limit();

  bmf::testing::TempDir dir;
  bmf::testing::ChildProcess server({coordinator, "--state-dir", (dir.path() / "state").string(), "--agent-listen",
                                     "127.0.0.1:0", "--api-listen", "127.0.0.1:0"},
                                    dir.path() / "coordinator2.log");
  std::smatch m;
  std::regex started(R"(COORDINATOR_STARTED agents=127\.0\.0\.1:(\d+))");
  std::string log;
  if (!bmf::testing::eventually([&] { log = server.log(); return std::regex_search(log, m, started); },
                                std::chrono::seconds(10))) {
    fmt::print(stderr, "coordinator did not start:\n{}\n", server.log());
    return 1;
  }
  auto port = static_cast<std::uint16_t>(std::stoi(m[1]));
  long rss_before = proc_status_kib(server.pid());

  asio::io_context io(1);
  std::vector<double> latencies;
  latencies.reserve(n);
  int failures = 0;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) asio::co_spawn(io, one_agent(i, port, latencies, failures), asio::detached);
  io.run();
  double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, std::size_t(p * latencies.size()))]; };
  long rss_after = proc_status_kib(server.pid());
  fmt::print("registration_bench: {} agents registered ({} failed) in {:.1f} ms total ({:.0f} registrations/s)\n",
             latencies.size(), failures, total_ms, latencies.size() / (total_ms / 1000.0));
  fmt::print("  per-agent latency: p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n", pct(0.50), pct(0.99),
             latencies.empty() ? 0.0 : latencies.back());
  fmt::print("  coordinator RSS: {} KiB before, {} KiB after {} registrations\n", rss_before, rss_after, n);
  server.stop(SIGTERM);
  return failures == 0 ? 0 : 1;
}
