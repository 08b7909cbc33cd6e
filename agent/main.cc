// bmf-agent: read this machine's identity, register with the coordinator,
// heartbeat, reconnect forever; stop cleanly on SIGTERM/SIGINT.
//   bmf-agent [run] --coordinator HOST:PORT [--sysfs-root DIR] ...
//   bmf-agent identity [--sysfs-root DIR]     print what would be registered
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "agent/inventory/collector.h"
#include "agent/inventory/link_monitor.h"
#include "agent/inventory/inventory_json.h"
#include "agent/session/coordinator_session.h"
#include "agent/session/link_watch.h"
#include "common/log/log.h"

namespace {

constexpr const char* kAgentVersion = "0.1.0";

struct Config {
  std::string coordinator = "127.0.0.1:7420";
  std::string sysfs_root = "/sys";
  std::string hostname;
  std::string enrollment_token_file;
  bool tls = false;
  std::string cert_sha256;
  std::uint32_t backoff_initial_ms = 250;
  std::uint32_t backoff_max_ms = 30'000;
  std::string log_level = "info";
  std::string root;              // filesystem root for /sys and /proc ("/" live; a fixture tree in tests)
  std::uint32_t lldp_wait_ms = 0;
  std::string output = "text";
};

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return {};
  return buf;
}

// "/sys" (the flag's historical meaning) or any ".../sys" names the root above it.
bmf::agent::RootFs root_fs(const Config& cfg) {
  std::filesystem::path p = cfg.root.empty() ? std::filesystem::path(cfg.sysfs_root).parent_path() : std::filesystem::path(cfg.root);
  return bmf::agent::RootFs(p.empty() ? std::filesystem::path("/") : p);
}

bmf::Result<bmf::proto::Inventory> collect(const Config& cfg) {
  auto fs = root_fs(cfg);
  auto links = bmf::agent::link_source_for(fs);
  return bmf::agent::collect_inventory(fs, *links, {std::chrono::milliseconds(cfg.lldp_wait_ms)});
}

bmf::Result<bmf::proto::Register> build_register(const Config& cfg, const std::string& token) {
  BMF_ASSIGN_OR_RETURN(auto inv, collect(cfg));
  bmf::proto::Register reg;
  auto* ident = reg.mutable_identity();
  ident->set_system_uuid(inv.system().system_uuid());
  ident->set_serial(inv.system().serial());
  ident->set_vendor(inv.system().vendor());
  ident->set_product(inv.system().product());
  ident->set_bmc_address(inv.bmc().address());
  std::vector<std::string> macs;
  for (const auto& n : inv.nics()) macs.push_back(n.mac());
  std::sort(macs.begin(), macs.end());
  for (const auto& m : macs) ident->add_macs(m);
  ident->set_hostname(cfg.hostname.empty() ? local_hostname() : cfg.hostname);
  if (inv.system().system_uuid().empty() && macs.empty()) {
    return bmf::not_found("no system UUID and no Ethernet MAC: nothing identifies this machine");
  }
  auto* sum = reg.mutable_inventory();
  sum->set_cpu_threads(inv.cpu().threads());
  sum->set_memory_bytes(inv.memory().total_bytes());
  sum->set_nic_count(static_cast<std::uint32_t>(inv.nics_size()));
  sum->set_gpu_count(static_cast<std::uint32_t>(inv.gpus_size()));
  sum->set_disk_count(static_cast<std::uint32_t>(inv.disks_size()));
  *reg.mutable_hardware() = std::move(inv);
  reg.set_agent_version(kAgentVersion);
  reg.set_enrollment_token(token);
  return reg;
}

// The commands an agent understands today.
bmf::proto::CommandResult run_command(const Config& cfg, const bmf::proto::Command& cmd) {
  bmf::proto::CommandResult r;
  if (cmd.kind() == "ping") {
    r.set_success(true);
    r.set_message("pong");
  } else if (cmd.kind() == "inventory") {
    auto inv = collect(cfg);
    r.set_success(inv.ok());
    r.set_message(inv.ok() ? fmt::format("inventory collected in {} us", inv->collected_in_us()) : inv.status().to_string());
    if (inv.ok()) *r.mutable_hardware() = std::move(inv).value();
  } else {
    r.set_success(false);
    r.set_message("unsupported command kind '" + cmd.kind() + "'");
  }
  return r;
}

int print_inventory(const Config& cfg) {
  auto inv = collect(cfg);
  if (!inv.ok()) {
    std::cerr << "bmf-agent: " << inv.status().to_string() << "\n";
    return 1;
  }
  if (cfg.output == "json") std::cout << bmf::agent::inventory_to_json(*inv) << "\n";
  else if (cfg.output == "pb") std::cout << inv->SerializeAsString();
  else std::cout << bmf::agent::inventory_to_text(*inv);
  return 0;
}

int run(const Config& cfg) {
  // 1. Logging and configuration.
  bmf::log::Level level;
  if (!bmf::log::parse_level(cfg.log_level, level)) {
    std::cerr << "bmf-agent: --log-level must be error, warn, info or debug\n";
    return 2;
  }
  bmf::log::set_level(level);
  bmf::agent::SessionConfig session_cfg;
  auto colon = cfg.coordinator.rfind(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    session_cfg.host = cfg.coordinator.substr(0, colon);
    unsigned long port = std::stoul(cfg.coordinator.substr(colon + 1));
    if (port == 0 || port > 65535) throw std::out_of_range("port");
    session_cfg.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "bmf-agent: --coordinator must be HOST:PORT, got '" << cfg.coordinator << "'\n";
    return 2;
  }
  session_cfg.tls = cfg.tls;
  session_cfg.cert_sha256 = cfg.cert_sha256;
  if (cfg.tls && cfg.cert_sha256.size() != 64) {
    std::cerr << "bmf-agent: --tls needs --coordinator-cert-sha256 (64 hex digits)\n";
    return 2;
  }
  session_cfg.backoff = {std::chrono::milliseconds(cfg.backoff_initial_ms), std::chrono::milliseconds(cfg.backoff_max_ms)};
  std::string token;
  if (!cfg.enrollment_token_file.empty()) {
    std::ifstream in(cfg.enrollment_token_file);
    std::getline(in, token);
    if (token.empty()) {
      std::cerr << "bmf-agent: cannot read a token from " << cfg.enrollment_token_file << "\n";
      return 2;
    }
  }
  // 2. Fail fast on an unreadable identity rather than retrying forever.
  if (auto probe = build_register(cfg, token); !probe.ok()) {
    BMF_LOG_ERROR("AGENT_IDENTITY_UNREADABLE: {}", probe.status().to_string());
    return 1;
  }

  // 3. Session, signals, run.
  boost::asio::io_context io(1);
  bmf::agent::CoordinatorSession session(
      io, session_cfg, [&cfg, token] { return build_register(cfg, token); },
      [&cfg](const bmf::proto::Command& cmd) { return run_command(cfg, cmd); });
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    BMF_LOG_INFO("AGENT_STOPPING signal={}", sig);
    session.stop();
  });
  session.start();
  // 4. Re-report the inventory when a link changes (live hosts only).
  if (root_fs(cfg).is_live()) {
    if (auto monitor = bmf::agent::LinkMonitor::open(); monitor.ok()) {
      bmf::agent::watch_links(io, std::move(monitor).value(), std::chrono::milliseconds(300),
                              [&cfg, &session](const std::string& reason) {
                                auto inv = collect(cfg);
                                if (!inv.ok()) return;
                                BMF_LOG_INFO("AGENT_INVENTORY_CHANGED {}", reason);
                                session.send_inventory_update(std::move(inv).value(), reason);
                              });
    } else {
      BMF_LOG_WARN("LINK_MONITOR_UNAVAILABLE: {}", monitor.status().to_string());
    }
  }
  BMF_LOG_INFO("AGENT_STARTED version={} coordinator={} sysfs_root={} tls={}", kAgentVersion, cfg.coordinator,
               cfg.sysfs_root, cfg.tls);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"bmf-agent: registers this machine with a bmf coordinator and keeps it alive"};
  app.set_config("--config", "", "INI/TOML config file (keys are the long option names)");
  app.add_option("--root", cfg.root, "root under which /sys and /proc are read (default /; a fixture tree in tests)");
  app.add_option("--sysfs-root", cfg.sysfs_root, "deprecated spelling: the sys dir under --root")->capture_default_str();
  app.add_option("--lldp-wait-ms", cfg.lldp_wait_ms, "listen this long for LLDP on up NICs (0: skip)")
      ->check(CLI::Range(0u, 120'000u));
  app.add_option("--hostname", cfg.hostname, "hostname to report (default: this machine's)");
  auto* run_cmd = app.add_subcommand("run", "run the agent (the default)");
  auto* inventory_cmd = app.add_subcommand("inventory", "print this machine's hardware inventory and exit");
  inventory_cmd->add_option("-o,--output", cfg.output, "text, json (protobuf JSON mapping) or pb (binary)")
      ->check(CLI::IsMember({"text", "json", "pb"}))
      ->capture_default_str();
  app.add_option("--coordinator", cfg.coordinator, "coordinator agent endpoint HOST:PORT")
      ->envname("BMF_AGENT_COORDINATOR")
      ->capture_default_str();
  app.add_option("--enrollment-token-file", cfg.enrollment_token_file, "file whose first line is the enrollment token");
  app.add_flag("--tls", cfg.tls, "connect over TLS (requires --coordinator-cert-sha256)");
  app.add_option("--coordinator-cert-sha256", cfg.cert_sha256, "pinned SHA-256 of the coordinator certificate (hex)");
  app.add_option("--backoff-initial-ms", cfg.backoff_initial_ms, "first reconnect delay")->capture_default_str();
  app.add_option("--backoff-max-ms", cfg.backoff_max_ms, "longest reconnect delay")->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "error|warn|info|debug")->capture_default_str();
  run_cmd->fallthrough();  // global options may follow the subcommand name
  inventory_cmd->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  (void)run_cmd;
  if (*inventory_cmd) return print_inventory(cfg);
  return run(cfg);
}
