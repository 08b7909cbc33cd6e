// bmf-bmc-emulator: serves N emulated BMCs over Redfish on loopback, one port
// each, for tests and the local lab. Prints one READY line per BMC:
//   BMC_READY bmc-0 127.0.0.1:PORT admin PASSWORD
// Power changes run --power-hook "CMD BMC_ID SYSTEM_ID On|Off" so the lab can
// start or stop that node's agent (power on really boots the node).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/core.h>
#include <signal.h>
#include <spawn.h>

#include <memory>
#include <vector>

#include "common/http/http_server.h"
#include "common/process/open_files.h"
#include "tests/lab/bmc_emulator/emulated_bmc.h"

extern char** environ;

int main(int argc, char** argv) {
  unsigned count = 1;
  unsigned base_port = 0;
  std::string user = "admin", password_prefix = "bmc-secret-", hook;
  unsigned latency_ms = 0;
  double failure_rate = 0;
  CLI::App app{"bmf-bmc-emulator: N emulated Redfish BMCs on loopback"};
  app.add_option("--count", count, "how many BMCs")->check(CLI::Range(1u, 20000u))->capture_default_str();
  app.add_option("--base-port", base_port, "first port (BMC i listens on base+i); 0 lets the kernel pick")->capture_default_str();
  app.add_option("--username", user, "user name of every BMC")->capture_default_str();
  app.add_option("--password-prefix", password_prefix, "BMC i's password is PREFIX<i>")->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "delay every response")->capture_default_str();
  app.add_option("--failure-rate", failure_rate, "fraction of authenticated requests answered 503")->check(CLI::Range(0.0, 1.0));
  app.add_option("--power-hook", hook, "command run as HOOK BMC_ID SYSTEM_ID On|Off after a power change");
  CLI11_PARSE(app, argc, argv);

  bmf::raise_open_file_limit();  // a listener per BMC
  signal(SIGCHLD, SIG_IGN);  // hooks are fire-and-forget; let the kernel reap them
  boost::asio::io_context io(1);
  std::vector<std::unique_ptr<bmf::lab::EmulatedBmc>> bmcs;
  std::vector<std::unique_ptr<bmf::http::HttpServer>> servers;
  for (unsigned i = 0; i < count; ++i) {
    bmf::lab::BmcConfig cfg;
    cfg.id = fmt::format("bmc-{}", i);
    cfg.username = user;
    cfg.password = password_prefix + std::to_string(i);
    cfg.failure_rate = failure_rate;
    if (!hook.empty()) {
      cfg.on_power_change = [hook, id = cfg.id](const std::string& system, const std::string& state) {
        std::vector<std::string> args = {"/bin/sh", "-c", hook + " \"$0\" \"$1\" \"$2\"", id, system, state};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_t pid;
        posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ);
      };
    }
    auto bmc = std::make_unique<bmf::lab::EmulatedBmc>(cfg);
    bmf::http::HttpServerConfig http_cfg;
    http_cfg.listen_port = static_cast<std::uint16_t>(base_port ? base_port + i : 0);
    http_cfg.server_name = "bmf-bmc-emulator";
    http_cfg.response_delay = std::chrono::milliseconds(latency_ms);
    auto* raw = bmc.get();
    auto server = std::make_unique<bmf::http::HttpServer>(io, http_cfg, [raw, id = cfg.id](const bmf::http::Request& r) {
      const int before = raw->injected_failures();
      bmf::http::Response out = raw->handle(r);
      if (raw->injected_failures() > before) {  // tests count what the clients had to get through
        fmt::print("BMC_INJECTED_FAILURE {} {} {}\n", id, r.method, r.target);
        std::fflush(stdout);
      }
      return out;
    });
    auto port = server->start();
    if (!port.ok()) {
      fmt::print(stderr, "bmf-bmc-emulator: {}\n", port.status().to_string());
      return 1;
    }
    fmt::print("BMC_READY {} 127.0.0.1:{} {} {}\n", cfg.id, *port, user, cfg.password);
    bmcs.push_back(std::move(bmc));
    servers.push_back(std::move(server));
  }
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) {
    for (auto& s : servers) s->stop();
  });
  io.run();
  return 0;
}
