// bmf-coordinator: parse config, open the store, start the agent and admin
// listeners, run the io_context, stop cleanly on SIGTERM/SIGINT.
//   bmf-coordinator init --state-dir D --admin NAME [--token-file F]
// is the one-time bootstrap: the first admin and their API token.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>


#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/log/log.h"
#include "common/process/open_files.h"
#include "coordinator/agent_server/agent_server.h"
#include "common/http/host_port.h"
#include "common/http/http_server.h"
#include "coordinator/api/admin_api.h"
#include "coordinator/api/lease_watch.h"
#include "coordinator/allocation/allocation_service.h"
#include "coordinator/handover/slurm_service.h"
#include "coordinator/hotpool/hotpool_service.h"
#include "coordinator/networks/network_service.h"
#include "coordinator/tenancy/tenancy_service.h"
#include "coordinator/lifecycle/cleaning_service.h"
#include "coordinator/lifecycle/node_lifecycle.h"
#include "coordinator/metrics/coordinator_metrics.h"
#include "coordinator/power/power_driver.h"
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
  std::uint32_t heartbeats_per_ack = 3;
  std::uint32_t agent_batch_ms = 20;
  std::string enrollment_token_file;
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_frame_bytes = bmf::wire::kDefaultMaxPayload;
  std::string log_level = "info";
  std::string tenant_vlans = "100-3999";
  std::string api_tls_cert;
  std::string api_tls_key;
  bool api_allow_plain_http = false;
  std::uint32_t session_hours = 12;
  std::string bmc_proxy;             // https://HOST:PORT of bmf-bmc-proxy ('' : bmf does not manage power)
  std::string bmc_proxy_user = "coordinator";
  std::string bmc_proxy_token_file;  // that service user's API token
  int bmc_attempts = 5;               // per idempotent BMC call (and a reset the BMC answered 503)
  std::string bmc_proxy_ca;          // verify the proxy against this CA
  std::string wipe = "off";          // off | discard | zero
  std::uint32_t boot_timeout_s = 600;
  std::uint32_t boot_eta_s = 300;
  std::uint32_t slurm_join_timeout_s = 60;
  std::uint32_t slurm_drain_timeout_s = 30;
  std::uint32_t stop_timeout_s = 10;  // SIGTERM: in-flight requests and switch transactions get this long
  std::string ui_dir;  // the web console's build ('' : next to the binary, else /usr/share/bmf/console)
};

// Where the console's built files are: --ui-dir, else build/console beside build/coordinator/,
// else the installed /usr/share/bmf/console.
std::string console_dir(const Config& cfg) {
  if (!cfg.ui_dir.empty()) return cfg.ui_dir;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = exe.parent_path().parent_path() / "console";
    if (std::filesystem::exists(beside / "index.html", ec)) return beside.string();
  }
  return "/usr/share/bmf/console";
}

struct InitConfig {
  std::string admin = "admin";
  std::string token_file;
};

bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

bmf::Status parse_vlan_range(const std::string& text, std::uint16_t& first, std::uint16_t& last) {
  unsigned a = 0, b = 0;
  char dash = 0;
  std::istringstream in(text);
  if (!(in >> a >> dash >> b) || dash != '-' || !in.eof() || a < 2 || b > 4094 || a > b) {
    return bmf::invalid_argument("--tenant-vlans must be FIRST-LAST within 2..4094, got '" + text + "'");
  }
  first = static_cast<std::uint16_t>(a);
  last = static_cast<std::uint16_t>(b);
  return bmf::ok_status();
}

// `bmf-coordinator init`: the first admin and an API token, written 0600 (or printed).
int run_init(const std::string& state_dir, const InitConfig& init) {
  using namespace bmf::coordinator;
  auto store = SqliteStore::open(state_dir);
  if (!store.ok()) {
    std::cerr << "bmf-coordinator init: " << store.status().to_string() << "\n";
    return 1;
  }
  bmf::SystemClock clock;
  TenancyService tenancy(**store, clock);
  auto issued = tenancy.bootstrap_admin(init.admin);
  if (!issued.ok()) {
    std::cerr << "bmf-coordinator init: " << issued.status().message() << "\n";
    return 1;
  }
  if (init.token_file.empty()) {
    std::cout << issued->secret << "\n";
  } else {
    const int fd = ::open(init.token_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const std::string line = issued->secret + "\n";
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      std::cerr << "bmf-coordinator init: cannot write " << init.token_file << "\n";
      return 1;
    }
    ::fchmod(fd, 0600);
    ::close(fd);
    std::cout << "admin " << init.admin << " created; API token in " << init.token_file << " (bmfctl --token-file)\n";
  }
  return 0;
}

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
  agent_cfg.batch_window = std::chrono::milliseconds(cfg.agent_batch_ms);
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
  NetworkConfig network_cfg;
  if (auto s = parse_vlan_range(cfg.tenant_vlans, network_cfg.pool_first, network_cfg.pool_last); !s.ok()) {
    BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: {}", s.message());
    return 2;
  }
  // API tokens travel in every request: off loopback they need TLS, unless an operator
  // says a TLS-terminating proxy in front does it.
  if (cfg.api_tls_cert.empty() != cfg.api_tls_key.empty()) {
    BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: --api-tls-cert and --api-tls-key go together");
    return 2;
  }
  api_cfg.tls_certificate_file = cfg.api_tls_cert;
  api_cfg.tls_private_key_file = cfg.api_tls_key;
  if (!loopback(api_cfg.listen_address) && cfg.api_tls_cert.empty() && !cfg.api_allow_plain_http) {
    BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: --api-listen {} is not loopback: give --api-tls-cert/--api-tls-key (bearer tokens "
                  "must not cross the network in clear), or --api-allow-plain-http behind a TLS-terminating proxy",
                  api_cfg.listen_address);
    return 2;
  }

  if (!cfg.bmc_proxy.empty()) {
    if (cfg.bmc_proxy_token_file.empty()) {
      BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: --bmc-proxy needs --bmc-proxy-token-file (the API token of the service user "
                    "--bmc-proxy-user; it may be created after start-up)");
      return 2;
    }
    if (cfg.bmc_proxy.rfind("https://", 0) != 0 && cfg.bmc_proxy.rfind("http://127.", 0) != 0) {
      BMF_LOG_ERROR("COORDINATOR_CONFIG_INVALID: --bmc-proxy must be https:// (or http://127.x for a proxy on this host), got {}",
                    cfg.bmc_proxy);
      return 2;
    }
  } else {
    BMF_LOG_WARN("POWER_UNMANAGED: no --bmc-proxy; nodes are not powered on, off or cycled (no hotpool tiers, no network boot "
                 "before cleaning)");
  }

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
  TenancyService tenancy(**store, clock, TenancyConfig{.session_ttl_ms = static_cast<bmf::EpochMs>(cfg.session_hours) * 3600 * 1000});
  {
    auto users = (*store)->list_users();
    bool any_admin = false;
    for (const auto& u : users.ok() ? *users : std::vector<UserRecord>{}) any_admin |= u.role == UserRole::kAdmin;
    if (!any_admin) {
      BMF_LOG_WARN("NO_ADMIN: no admin user yet; every API call will be 401 until `bmf-coordinator init --state-dir {}` creates one",
                   cfg.state_dir);
    }
  }
  NodeLifecycle lifecycle(**store, clock);
  NodeRegistry registry(**store, clock, lifecycle,
                        RegistryConfig{.liveness = {cfg.heartbeat_interval_ms, cfg.missed_heartbeats, cfg.boot_timeout_s * 1000,
                                                   cfg.heartbeats_per_ack},
                                       .enrollment_token = *token});
  boost::asio::io_context io(1);
  AgentServer agents(io, registry, **store, agent_cfg);
  SwitchSyncer switches(io, **store);
  NetconfApplier applier(io);
  NetworkService networks(**store, clock, applier, network_cfg);
  // Operations a previous process left unfinished are closed with the reason before new ones start;
  // their switches may have confirmed a change the database never took: every switch is synced
  // back to the database (journaled operations, queued before anything new).
  if (auto unfinished = networks.recover(); !unfinished.ok()) {
    BMF_LOG_ERROR("OPERATIONS_RECOVERY_FAILED: {}", unfinished.status().to_string());
  } else if (*unfinished > 0) {
    auto all = (*store)->list_switches();
    for (const auto& sw : all.ok() ? *all : std::vector<SwitchRecord>{}) {
      auto op = switches.start_sync(sw.name, "coordinator");
      BMF_LOG_WARN("SWITCH_RESYNC_AFTER_RESTART {}: {}", sw.name, op.ok() ? fmt::format("operation {}", op->id) : op.status().to_string());
    }
  }
  bmf::metrics::Registry metric_registry;
  std::unique_ptr<RedfishProxyPower> redfish;
  std::unique_ptr<MeteredPower> power;
  if (!cfg.bmc_proxy.empty()) {
    redfish = std::make_unique<RedfishProxyPower>(io, RedfishPowerConfig{.proxy_url = cfg.bmc_proxy, .username = cfg.bmc_proxy_user,
                                                                       .token_file = cfg.bmc_proxy_token_file,
                                                                       .ca_file = cfg.bmc_proxy_ca,
                                                                       .idempotent_attempts = cfg.bmc_attempts});
    power = std::make_unique<MeteredPower>(*redfish, metric_registry);
  }
  CleaningService cleaning(**store, clock, lifecycle, networks, power.get(), &agents,
                           CleaningConfig{.wipe = cfg.wipe, .boot_timeout_ms = cfg.boot_timeout_s * 1000LL});
  AllocationService allocations(**store, clock, networks, lifecycle, cleaning, power.get(), &agents,
                                AllocationConfig{.boot_eta_ms = cfg.boot_eta_s * 1000LL, .boot_timeout_ms = cfg.boot_timeout_s * 1000LL});
  // Handover "slurm": nodes join the project's SLURM cluster through their agents, and leave it on release.
  SlurmService slurm(**store, clock, networks, allocations, agents,
                     SlurmConfig{.join_timeout_ms = cfg.slurm_join_timeout_s * 1000U, .drain_timeout_ms = cfg.slurm_drain_timeout_s * 1000U});
  cleaning.set_held([&allocations](std::uint64_t node) { return allocations.leaving(node); });
  // Allocations a previous process left half-done are rolled back, releases resumed, before cleaning looks.
  if (auto s = allocations.recover(); !s.ok()) BMF_LOG_ERROR("ALLOCATIONS_RECOVERY_FAILED: {}", s.to_string());
  cleaning.reconcile();
  HotpoolService hotpool(**store, clock, allocations, power.get(), &agents,
                         HotpoolConfig{.boot_timeout_ms = cfg.boot_timeout_s * 1000LL});
  // A reservation may empty a class's hot tier: the pool says so and refills at once.
  allocations.on_change([&hotpool](const AllocationRecord& a) {
    if (a.stage == "reserved") hotpool.reconcile();
  });
  AdminApi api(**store, tenancy, &networks, &agents, &switches, clock, &allocations, &lifecycle, &hotpool);
  api.use_last_seen([&registry](std::uint64_t id) { return registry.last_seen(id); });
  allocations.on_change([&api](const AllocationRecord& a) { api.allocation_streams().publish(a); });
  CoordinatorMetrics metrics(metric_registry, **store, allocations, networks, &hotpool);
  api.set_metrics([&metrics] { return metrics.exposition(); });
  api.set_slurm(&slurm);
  if (auto ui = bmf::coordinator::StaticFiles::load(console_dir(cfg)); ui.ok()) {
    BMF_LOG_INFO("CONSOLE_SERVED dir={} files={} at /ui/", console_dir(cfg), ui->size());
    api.set_console(std::move(*ui), !cfg.api_tls_cert.empty());
  } else {
    BMF_LOG_WARN("CONSOLE_NOT_SERVED: {}", ui.status().message());
  }
  bmf::coordinator::LeaseWatch lease_watch(io);
  api.on_lease_change([&lease_watch] { lease_watch.changed(); });
  allocations.on_lease_change([&lease_watch] { lease_watch.changed(); });
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

  // 6. Once a second: leases past their end time are released (their allocations too), warm
  //    nodes that did not boot in time are replaced, cleaning resumes and times out.
  boost::asio::steady_timer expiry_timer(io);
  std::function<void()> schedule_expiry = [&] {
    expiry_timer.expires_after(std::chrono::seconds(1));
    expiry_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      auto released = allocations.expire();
      if (!released.ok()) BMF_LOG_ERROR("LEASE_EXPIRY_FAILED: {}", released.status().to_string());
      else if (*released > 0) BMF_LOG_INFO("LEASES_EXPIRED count={}", *released);
      allocations.tick();
      slurm.tick();
      cleaning.reconcile();
      hotpool.reconcile();
      schedule_expiry();
    });
  };
  schedule_expiry();

  // 7. One way to stop: SIGTERM and SIGINT stop accepting and drain within --stop-timeout-s:
  //    agents are let go at once (they reconnect with backoff to the next coordinator), requests
  //    being handled get their answers, switch transactions under way finish; past the bound
  //    what is left is abandoned (operations are journaled and resume at the next start).
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  boost::asio::steady_timer drain_timer(io);
  const auto stop_started = std::make_shared<std::chrono::steady_clock::time_point>();
  bool abandoned = false;
  std::function<void()> check_drained = [&] {
    const std::size_t requests = http.in_flight(), operations = applier.in_flight() + switches.in_flight();
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *stop_started);
    if (requests == 0 && operations == 0) {
      BMF_LOG_INFO("COORDINATOR_DRAINED in {} ms", waited.count());
      io.stop();
      return;
    }
    if (waited >= std::chrono::seconds(cfg.stop_timeout_s)) {
      BMF_LOG_WARN("COORDINATOR_STOP_TIMEOUT after {} s: {} request(s) and {} switch transaction(s) still running, abandoned "
                   "(journaled: they resume at the next start)",
                   cfg.stop_timeout_s, requests, operations);
      abandoned = operations > 0;
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) check_drained();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    BMF_LOG_INFO("COORDINATOR_STOPPING signal={}: draining (at most {} s)", sig, cfg.stop_timeout_s);
    *stop_started = std::chrono::steady_clock::now();
    sweep_timer.cancel();
    (void)registry.flush(true);  // every heartbeat kept in memory
    expiry_timer.cancel();
    agents.stop();
    http.drain();
    check_drained();
    // A second signal: stop now.
    signals.async_wait([&](boost::system::error_code ec2, int sig2) {
      if (ec2) return;
      BMF_LOG_WARN("COORDINATOR_STOPPING_NOW signal={}", sig2);
      abandoned = true;
      io.stop();
    });
  });

  BMF_LOG_INFO("COORDINATOR_STARTED agents={}:{} api={}:{} state_dir={} heartbeat={}ms missed={} per_ack={}",
               agent_cfg.listen_address, *agent_port, api_cfg.listen_address, *api_port, cfg.state_dir,
               cfg.heartbeat_interval_ms, cfg.missed_heartbeats, cfg.heartbeats_per_ack);
  io.run();
  (void)registry.flush(true);
  if (abandoned) {
    // A switch transaction is still in its SSH calls (a switch that stopped answering): its
    // thread cannot be joined in time. Every write is committed (SQLite WAL); leave now.
    BMF_LOG_INFO("COORDINATOR_STOPPED (switch transactions abandoned)");
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(0);
  }
  http.stop();
  switches.stop();
  applier.stop();
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
  app.add_option("--heartbeats-per-ack", cfg.heartbeats_per_ack,
                 "agents ask for a heartbeat ack about every this many heartbeats (1: every one; fewer acks, less "
                 "load at site scale; an agent gives the coordinator up after max(4, this + 2) silent intervals)")
      ->check(CLI::Range(1u, 10u))
      ->capture_default_str();
  app.add_option("--enrollment-token-file", cfg.enrollment_token_file, "file whose first line agents must present")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", cfg.tls_cert, "PEM certificate chain: serve agents over TLS")->check(CLI::ExistingFile);
  app.add_option("--tls-key", cfg.tls_key, "PEM private key for --tls-cert")->check(CLI::ExistingFile);
  app.add_option("--agent-batch-ms", cfg.agent_batch_ms,
                 "once woken by an agent message, read the next ones after this long (0: at once)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--max-frame-bytes", cfg.max_frame_bytes, "largest accepted agent frame")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "error|warn|info|debug")->capture_default_str();
  app.add_option("--tenant-vlans", cfg.tenant_vlans, "FIRST-LAST: the VLANs tenant networks are given")->capture_default_str();
  app.add_option("--api-tls-cert", cfg.api_tls_cert, "PEM certificate: serve the API over HTTPS")->check(CLI::ExistingFile);
  app.add_option("--api-tls-key", cfg.api_tls_key, "PEM private key for --api-tls-cert")->check(CLI::ExistingFile);
  app.add_flag("--api-allow-plain-http", cfg.api_allow_plain_http,
               "allow plain HTTP on a non-loopback --api-listen (only behind a TLS-terminating proxy)");
  app.add_option("--bmc-proxy", cfg.bmc_proxy, "https://HOST:PORT of bmf-bmc-proxy: power and network boot go through it");
  app.add_option("--bmc-proxy-user", cfg.bmc_proxy_user, "the service user the coordinator is at the proxy")->capture_default_str();
  app.add_option("--bmc-attempts", cfg.bmc_attempts,
                 "attempts per BMC read, boot setting, or reset the BMC answered 503 (backoff from 200 ms, doubling)")
      ->check(CLI::Range(1, 20));
  app.add_option("--bmc-proxy-token-file", cfg.bmc_proxy_token_file,
                 "that user's API token (bmfctl token create --user ... --output-file F; read at each power action)");
  app.add_option("--bmc-proxy-ca", cfg.bmc_proxy_ca, "PEM CA to verify the proxy's certificate")->check(CLI::ExistingFile);
  app.add_option("--wipe", cfg.wipe, "what cleaning does to a released node's disks: off, discard (verified) or zero")
      ->check(CLI::IsMember({"off", "discard", "zero"}))
      ->capture_default_str();
  app.add_option("--boot-timeout-s", cfg.boot_timeout_s, "power-on -> agent registered, before a node goes to maintenance")
      ->check(CLI::Range(5u, 24u * 3600))
      ->capture_default_str();
  app.add_option("--boot-eta-s", cfg.boot_eta_s, "expected boot time of a class not yet measured (shown as the ETA)")
      ->check(CLI::Range(1u, 24u * 3600))
      ->capture_default_str();
  app.add_option("--slurm-join-timeout-s", cfg.slurm_join_timeout_s, "handover slurm: until a node is idle in slurmctld")
      ->check(CLI::Range(1u, 3600u))->capture_default_str();
  app.add_option("--stop-timeout-s", cfg.stop_timeout_s,
                 "on SIGTERM: how long requests being handled and switch transactions under way get to finish")
      ->check(CLI::Range(0u, 3600u))
      ->capture_default_str();
  app.add_option("--slurm-drain-timeout-s", cfg.slurm_drain_timeout_s, "handover slurm: a released node's jobs get this long to finish")
      ->check(CLI::Range(0u, 86400u))->capture_default_str();
  app.add_option("--ui-dir", cfg.ui_dir, "the web console's built files, served at /ui/ (default: build/console beside the "
                                         "binary, else /usr/share/bmf/console)");
  app.add_option("--session-hours", cfg.session_hours, "how long a password login lasts")
      ->check(CLI::Range(1u, 24u * 30))
      ->capture_default_str();
  InitConfig init;
  auto* init_cmd = app.add_subcommand("init", "one-time bootstrap: create the first admin and print (or write) an API token");
  init_cmd->fallthrough();  // `init --state-dir D` reads the main option too
  init_cmd->add_option("--admin", init.admin, "the admin's user name")->capture_default_str();
  init_cmd->add_option("--token-file", init.token_file, "write the token here (mode 0600) instead of printing it");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "bmf-coordinator: error: " << e.what() << " (see --help)\n";  // one line, non-zero exit
    return 2;
  }
  if (*init_cmd) return run_init(cfg.state_dir, init);
  return run(cfg);
}
