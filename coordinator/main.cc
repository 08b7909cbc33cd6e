// bmf-coordinator: parse config, open the store, start the agent and admin
// listeners, run the io_context, stop cleanly on SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>


#include <fstream>
#include <iostream>

#include "common/log/log.h"
#include "common/process/open_files.h"
#include "coordinator/agent_server/agent_server.h"
#include "common/http/host_port.h"
#include "common/http/http_server.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/api/lease_watch.h"
#include "coordinator/registry/node_registry.h"
#include "coordinator/store/sqlite_store.h"
#include "coordinator/switches/switch_syncer.h"

namespace {

struct Config {
  std::string state_dir = "/var/lib/bmf";
  std::string agent_listen = "127.0.0.1:7420";
  std::string api_listen = "127.0.0.1:7421";
  std::uint32_t heartbeat_interval_ms = 5000;
  std::uint32_t missed_heartbeats = 3;
  std::string enrollment_token_file;
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_frame_bytes = bmf::wire::kDefaultMaxPayload;
  std::string log_level = "info";
};

using bmf::http::split_host_port;

bmf::Result<std::string> read_token(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) return bmf::invalid_argument("cannot read enrollment token file " + path);
  std::string token;
  std::getline(in, token);
  if (token.empty()) return bmf::invalid_argument("enrollment token file " + path + " is empty");
  return token;
}

int run(const Config& cfg) {
  using namespace bmf::coordinator;
  // 1. Logging.
  bmf::log::Level level;
  if (!bmf::log::parse_level(cfg.log_level, level)) {
    std::cerr << "bmf-coordinator: --log-level must be error, warn, info or debug\n";
    return 2;
  }
  bmf::log::set_level(level);

  // 2. Listener addresses and secrets.
  AgentServerConfig agent_cfg;
  bmf::http::HttpServerConfig api_cfg;
  api_cfg.listen_port = 7421;
  api_cfg.server_name = "bmf-coordinator";
  for (auto [text, host, port] : {std::tuple{&cfg.agent_listen, &agent_cfg.listen_address, &agent_cfg.listen_port},
                                  std::tuple{&cfg.api_listen, &api_cfg.listen_address, &api_cfg.listen_port}}) {
    if (auto s = split_host_port(*text, *host, *port); !s.ok()) {
      BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: {}", s.message());
      return 2;
    }
  }
  agent_cfg.limits.max_payload = cfg.max_frame_bytes;
  if (!cfg.tls_cert.empty() || !cfg.tls_key.empty()) {
    if (cfg.tls_cert.empty() || cfg.tls_key.empty()) {
      BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: --tls-cert and --tls-key go together");
      return 2;
    }
    agent_cfg.tls = TlsFiles{cfg.tls_cert, cfg.tls_key};
  }
  auto token = read_token(cfg.enrollment_token_file);
  if (!token.ok()) {
    BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: {}", token.status().message());
    return 2;
  }
  if (token->empty()) BMF_LOG_WARN("ENROLLMENT_OPEN: no enrollment token configured; any agent may register");

  // Every agent holds a connection: allow as many descriptors as the hard limit permits.
  bmf::raise_open_file_limit();

  // 3. Store and schema check.
  auto store = SqliteStore::open(cfg.state_dir);
  if (!store.ok()) {
    BMF_LOG_ERROR("STORE_OPEN_FAILED {}: {}", cfg.state_dir, store.status().to_string());
    return 1;
  }

  // 4. Domain objects and adapters.
  bmf::SystemClock clock;
  NodeRegistry registry(**store, clock,
                        RegistryConfig{.liveness = {cfg.heartbeat_interval_ms, cfg.missed_heartbeats},
                                       .enrollment_token = *token});
  boost::asio::io_context io(1);
  AgentServer agents(io, registry, **store, agent_cfg);
  SwitchSyncer switches(io, **store);
  AdminApi api(**store, &agents, &switches);
  bmf::coordinator::LeaseWatch lease_watch(io);
  api.on_lease_change([&lease_watch] { lease_watch.changed(); });
  bmf::http::HttpServer http(io, api_cfg, bmf::coordinator::admin_http_handler(api, lease_watch));
  auto agent_port = agents.start();
  auto api_port = http.start();
  if (!agent_port.ok() || !api_port.ok()) {
    BMF_LOG_ERROR("LISTEN_FAILED: {}", (!agent_port.ok() ? agent_port.status() : api_port.status()).message());
    return 1;
  }

  // 5. Liveness sweep, twice per heartbeat interval.
  boost::asio::steady_timer sweep_timer(io);
  std::function<void()> schedule_sweep = [&] {
    sweep_timer.expires_after(std::chrono::milliseconds(std::max<std::uint32_t>(cfg.heartbeat_interval_ms / 2, 10)));
    sweep_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      auto changed = registry.sweep();
      if (!changed.ok()) BMF_LOG_ERROR("SWEEP_FAILED: {}", changed.status().to_string());
      schedule_sweep();
    });
  };
  schedule_sweep();

  // 6. One way to stop: SIGTERM and SIGINT stop accepting, close sessions, drain.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    BMF_LOG_INFO("COORDINATOR_STOPPING signal={}", sig);
    sweep_timer.cancel();
    agents.stop();
    http.stop();
    switches.stop();
  });

  BMF_LOG_INFO("COORDINATOR_STARTED agents={}:{} api={}:{} state_dir={} heartbeat={}ms missed={}",
               agent_cfg.listen_address, *agent_port, api_cfg.listen_address, *api_port, cfg.state_dir,
               cfg.heartbeat_interval_ms, cfg.missed_heartbeats);
  io.run();
  BMF_LOG_INFO("COORDINATOR_STOPPED");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"bmf-coordinator: the bare-metal fulfillment coordinator"};
  app.set_config("--config", "", "INI/TOML config file (keys are the long option names)");
  app.add_option("--state-dir", cfg.state_dir, "directory for bmf.db (SQLite, WAL)")->capture_default_str();
  app.add_option("--agent-listen", cfg.agent_listen, "HOST:PORT for agents")->capture_default_str();
  app.add_option("--api-listen", cfg.api_listen, "HOST:PORT for the admin HTTP API")->capture_default_str();
  app.add_option("--heartbeat-interval-ms", cfg.heartbeat_interval_ms, "agent heartbeat interval")
      ->check(CLI::Range(10u, 3'600'000u))
      ->capture_default_str();
  app.add_option("--missed-heartbeats", cfg.missed_heartbeats, "missed heartbeats before a node is unreachable")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  app.add_option("--enrollment-token-file", cfg.enrollment_token_file, "file whose first line agents must present")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", cfg.tls_cert, "PEM certificate chain: serve agents over TLS")->check(CLI::ExistingFile);
  app.add_option("--tls-key", cfg.tls_key, "PEM private key for --tls-cert")->check(CLI::ExistingFile);
  app.add_option("--max-frame-bytes", cfg.max_frame_bytes, "largest accepted agent frame")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "error|warn|info|debug")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "bmf-coordinator: error: " << e.what() << " (see --help)\n";  // one line, non-zero exit
    return 2;
  }
  return run(cfg);
}
