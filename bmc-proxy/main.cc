// bmf-bmc-proxy: the tenant-safe Redfish proxy. Parse flags, load the BMC and
// principal files, follow the coordinator's leases, serve Redfish (HTTPS) and
// /metrics, reload the files on SIGHUP, stop on SIGTERM/SIGINT.
//   bmf-bmc-proxy --bmcs /etc/bmf/bmcs.json --coordinator-token-file /etc/bmf/proxy.token \
//       --tls-cert cert.pem --tls-key key.pem [--coordinator http://127.0.0.1:7421] [--principals break-glass.json]
// Tenants log in as their bmf users (password, or an API token as the password),
// checked by the coordinator; the principals file holds only break-glass accounts.
//   bmf-bmc-proxy hash-password < password.txt
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/core.h>
#include <openssl/rand.h>

#include <iostream>

#include "bmc-proxy/audit/audit_log.h"
#include "bmc-proxy/credentials/bmc_directory.h"
#include "bmc-proxy/credentials/secret_file.h"
#include "bmc-proxy/leases/coordinator_users.h"
#include "bmc-proxy/credentials/tenant_directory.h"
#include "bmc-proxy/leases/lease_follower.h"
#include "bmc-proxy/metrics/proxy_metrics.h"
#include "bmc-proxy/redfish/bmc_gateway.h"
#include "bmc-proxy/redfish/redfish_proxy.h"
#include "common/http/curl_client.h"
#include "common/http/host_port.h"
#include "common/http/http_server.h"
#include "common/log/log.h"
#include "common/process/open_files.h"

namespace {

struct Config {
  std::string listen = "0.0.0.0:8443";
  std::string tls_cert, tls_key;
  bool insecure_http = false;
  std::string bmcs_file, principals_file;
  std::string coordinator = "http://127.0.0.1:7421";
  std::string coordinator_token_file;
  std::uint32_t lease_wait_ms = 15'000;
  std::uint32_t lease_stale_ms = 30'000;
  std::string audit_log;
  std::string metrics_listen = "127.0.0.1:9464";
  std::uint32_t session_timeout_s = 1800;
  long max_connections_per_bmc = 2;
  std::string log_level = "info";
};

std::string random_uuid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int hash_password_command() {
  std::string password;
  std::getline(std::cin, password);
  if (password.empty()) {
    std::cerr << "bmf-bmc-proxy: error: give the password on stdin (one line)\n";
    return 2;
  }
  std::cout << bmf::bmcproxy::hash_password(password) << "\n";
  return 0;
}

int run(const Config& cfg) {
  using namespace bmf::bmcproxy;
  auto bmcs = BmcDirectory::load(cfg.bmcs_file);
  auto load_principals = [&cfg]() -> bmf::Result<TenantDirectory> {
    if (cfg.principals_file.empty()) return TenantDirectory::parse(R"({"principals": []})", "(none)");
    return TenantDirectory::load(cfg.principals_file);
  };
  auto principals = load_principals();
  auto audit = AuditLog::open(cfg.audit_log);
  bmf::Result<std::string> service_token = read_secret_file(cfg.coordinator_token_file);
  if (service_token.ok()) {
    std::string& t = *service_token;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.empty()) service_token = bmf::invalid_argument(cfg.coordinator_token_file + " is empty");
  }
  for (const bmf::Status& s : {bmcs.status(), principals.status(), audit.status(), service_token.status()}) {
    if (!s.ok()) {
      BMF_LOG_ERROR("BMC_PROXY_CONFIG_INVALID: {}", s.message());
      return 2;
    }
  }
  bmf::http::HttpServerConfig redfish_cfg;
  redfish_cfg.server_name = "bmf-bmc-proxy";
  redfish_cfg.tls_certificate_file = cfg.tls_cert;
  redfish_cfg.tls_private_key_file = cfg.tls_key;
  bmf::http::HttpServerConfig metrics_cfg;
  metrics_cfg.server_name = "bmf-bmc-proxy";
  if (auto s = bmf::http::split_host_port(cfg.listen, redfish_cfg.listen_address, redfish_cfg.listen_port); !s.ok()) {
    BMF_LOG_ERROR("BMC_PROXY_CONFIG_INVALID: --listen: {}", s.message());
    return 2;
  }
  if (!cfg.metrics_listen.empty()) {
    if (auto s = bmf::http::split_host_port(cfg.metrics_listen, metrics_cfg.listen_address, metrics_cfg.listen_port); !s.ok()) {
      BMF_LOG_ERROR("BMC_PROXY_CONFIG_INVALID: --metrics-listen: {}", s.message());
      return 2;
    }
  }

  // One connection per tenant client and per BMC.
  bmf::raise_open_file_limit();
  boost::asio::io_context io(1);
  CurlMultiClient http(io, {.max_connections_per_host = cfg.max_connections_per_bmc});
  ProxyMetrics metrics;
  LeaseTable leases(std::chrono::milliseconds(cfg.lease_stale_ms));
  SessionStore sessions(std::chrono::seconds(cfg.session_timeout_s));
  BmcGateway gateway(http, std::make_shared<BmcDirectory>(std::move(*bmcs)), &metrics);
  CoordinatorUsers users(http, leases, {.coordinator_url = cfg.coordinator, .service_token = *service_token});
  RedfishProxy proxy({.principals = std::make_shared<TenantDirectory>(std::move(*principals)),
                      .sessions = sessions,
                      .leases = leases,
                      .bmcs = gateway,
                      .audit = *audit,
                      .metrics = metrics,
                      .service_uuid = random_uuid(),
                      .users = &users});
  LeaseFollower follower(io, http, leases,
                         {.coordinator_url = cfg.coordinator, .service_token = *service_token,
                          .wait = std::chrono::milliseconds(cfg.lease_wait_ms)});
  metrics.set_gauges([&] {
    const auto confirmed = leases.confirmed_at();
    return std::vector<ProxyMetrics::Gauge>{
        {"bmf_bmc_proxy_sessions", "Open Redfish sessions.", static_cast<double>(sessions.size())},
        {"bmf_bmc_proxy_active_leases", "Active leases known from the coordinator.", static_cast<double>(leases.size())},
        {"bmf_bmc_proxy_bmcs", "BMCs in the BMC file.", static_cast<double>(gateway.directory().all().size())},
        {"bmf_bmc_proxy_bmc_calls_in_flight", "Calls to BMCs under way.", static_cast<double>(http.in_flight())},
        {"bmf_bmc_proxy_lease_sync_age_seconds", "Seconds since the coordinator last confirmed the leases (-1: never).",
         confirmed ? std::chrono::duration<double>(std::chrono::steady_clock::now() - *confirmed).count() : -1.0}};
  });

  bmf::http::HttpServer redfish(io, redfish_cfg, [&proxy](bmf::http::Request r, bmf::http::HttpServer::Reply reply) {
    proxy.handle(std::move(r), std::move(reply));
  });
  bmf::http::HttpServer metrics_server(io, metrics_cfg, [&metrics](const bmf::http::Request& r) {
    if (r.target != "/metrics") return bmf::http::Response{404, "not found\n", {}, "text/plain"};
    return bmf::http::Response{200, metrics.exposition(), {}, "text/plain; version=0.0.4"};
  });
  auto redfish_port = redfish.start();
  if (!redfish_port.ok()) {
    BMF_LOG_ERROR("LISTEN_FAILED: {}", redfish_port.status().message());
    return 1;
  }
  std::string metrics_at = "off";
  if (!cfg.metrics_listen.empty()) {
    auto port = metrics_server.start();
    if (!port.ok()) {
      BMF_LOG_ERROR("LISTEN_FAILED: {}", port.status().message());
      return 1;
    }
    metrics_at = fmt::format("{}:{}", metrics_cfg.listen_address, *port);
  }
  follower.start();

  boost::asio::signal_set reload(io, SIGHUP);
  std::function<void()> wait_reload = [&] {
    reload.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      auto new_bmcs = BmcDirectory::load(cfg.bmcs_file);
      auto new_principals = load_principals();
      if (!new_bmcs.ok() || !new_principals.ok()) {
        BMF_LOG_ERROR("BMC_PROXY_RELOAD_FAILED (keeping the old files): {}",
                      (!new_bmcs.ok() ? new_bmcs.status() : new_principals.status()).message());
      } else {
        BMF_LOG_INFO("BMC_PROXY_RELOADED bmcs={} principals={}", new_bmcs->all().size(), new_principals->size());
        gateway.set_directory(std::make_shared<BmcDirectory>(std::move(*new_bmcs)));
        proxy.set_principals(std::make_shared<TenantDirectory>(std::move(*new_principals)));
      }
      wait_reload();
    });
  };
  wait_reload();
  boost::asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](boost::system::error_code, int sig) {
    BMF_LOG_INFO("BMC_PROXY_STOPPING signal={}", sig);
    redfish.stop();
    metrics_server.stop();
    io.stop();
  });
  BMF_LOG_INFO("BMC_PROXY_STARTED redfish={}://{}:{} metrics={} bmcs={} coordinator={}",
               cfg.insecure_http ? "http" : "https", redfish_cfg.listen_address, *redfish_port, metrics_at,
               gateway.directory().all().size(), cfg.coordinator);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"bmf-bmc-proxy: tenant-safe Redfish proxy in front of the real BMCs"};
  app.set_config("--config", "", "INI/TOML config file (keys are the long option names)");
  app.add_option("--listen", cfg.listen, "HOST:PORT for Redfish")->capture_default_str();
  app.add_option("--tls-cert", cfg.tls_cert, "PEM certificate chain for HTTPS");
  app.add_option("--tls-key", cfg.tls_key, "PEM private key for HTTPS");
  app.add_flag("--insecure-http", cfg.insecure_http, "serve plain HTTP (labs and tests only)");
  app.add_option("--bmcs", cfg.bmcs_file, "JSON file of BMC URLs and real credentials (mode 0600)");
  app.add_option("--principals", cfg.principals_file,
                 "JSON file of break-glass/service password hashes (mode 0600); tenants are bmf users");
  app.add_option("--coordinator", cfg.coordinator, "coordinator API base URL (leases, tenant logins)")->capture_default_str();
  app.add_option("--coordinator-token-file", cfg.coordinator_token_file,
                 "file (mode 0600) with the API token of a bmf user with the service role");
  app.add_option("--lease-wait-ms", cfg.lease_wait_ms, "long-poll wait for lease changes")->capture_default_str();
  app.add_option("--lease-stale-ms", cfg.lease_stale_ms,
                 "stop serving tenants when leases were not confirmed for this long")->capture_default_str();
  app.add_option("--audit-log", cfg.audit_log, "append JSON audit lines to this file (always also to the journal)");
  app.add_option("--metrics-listen", cfg.metrics_listen, "HOST:PORT for Prometheus /metrics; empty turns it off")->capture_default_str();
  app.add_option("--session-timeout-s", cfg.session_timeout_s, "idle Redfish session lifetime")->capture_default_str();
  app.add_option("--max-connections-per-bmc", cfg.max_connections_per_bmc, "parallel connections to one BMC")
      ->check(CLI::Range(1L, 16L))->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "error|warn|info|debug")->capture_default_str();
  auto* hash = app.add_subcommand("hash-password", "read a password on stdin, print its hash for the principals file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "bmf-bmc-proxy: error: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (*hash) return hash_password_command();
  bmf::log::Level level;
  if (!bmf::log::parse_level(cfg.log_level, level)) {
    std::cerr << "bmf-bmc-proxy: error: unknown --log-level '" << cfg.log_level << "'\n";
    return 2;
  }
  bmf::log::set_level(level);
  if (cfg.bmcs_file.empty() || cfg.coordinator_token_file.empty()) {
    std::cerr << "bmf-bmc-proxy: error: --bmcs and --coordinator-token-file are required (see --help)\n";
    return 2;
  }
  if (cfg.lease_wait_ms >= cfg.lease_stale_ms) {
    // Each long-poll answer confirms the leases; a longer wait would turn them stale between answers.
    std::cerr << "bmf-bmc-proxy: error: --lease-wait-ms must be shorter than --lease-stale-ms\n";
    return 2;
  }
  if (cfg.insecure_http == (!cfg.tls_cert.empty() || !cfg.tls_key.empty())) {
    std::cerr << "bmf-bmc-proxy: error: give --tls-cert and --tls-key, or --insecure-http for a lab (not both)\n";
    return 2;
  }
  return run(cfg);
}
