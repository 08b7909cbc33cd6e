// bmf-agent: read this machine's identity, register with the coordinator,
// heartbeat, reconnect forever; stop cleanly on SIGTERM/SIGINT.
//   bmf-agent [run] --coordinator HOST:PORT [--sysfs-root DIR] ...
//   bmf-agent identity [--sysfs-root DIR]     print what would be registered
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "agent/identity/identity_reader.h"
#include "agent/session/coordinator_session.h"
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
};

std::unique_ptr<bmf::agent::LinkSource> make_link_source(const std::string& sysfs_root) {
  // The live /sys shows the host's NICs even inside a network namespace; only
  // netlink tells the truth there. Any other root is a fixture tree.
  if (std::filesystem::weakly_canonical(sysfs_root) == "/sys") return std::make_unique<bmf::agent::NetlinkLinkSource>();
  return std::make_unique<bmf::agent::SysfsLinkSource>(sysfs_root);
}

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return {};
  return buf;
}

bmf::Result<bmf::proto::Register> build_register(const Config& cfg, const std::string& token) {
  auto links = make_link_source(cfg.sysfs_root);
  BMF_ASSIGN_OR_RETURN(auto id, bmf::agent::read_identity(cfg.sysfs_root, *links));
  bmf::proto::Register reg;
  auto* ident = reg.mutable_identity();
  ident->set_system_uuid(id.system_uuid);
  ident->set_serial(id.serial);
  ident->set_vendor(id.vendor);
  ident->set_product(id.product);
  for (const auto& m : id.macs) ident->add_macs(m);
  ident->set_hostname(cfg.hostname.empty() ? local_hostname() : cfg.hostname);
  auto* inv = reg.mutable_inventory();
  inv->set_cpu_threads(id.cpu_threads);
  inv->set_memory_bytes(id.memory_bytes);
  inv->set_nic_count(id.nic_count);
  reg.set_agent_version(kAgentVersion);
  reg.set_enrollment_token(token);
  return reg;
}

int print_identity(const Config& cfg) {
  auto reg = build_register(cfg, "");
  if (!reg.ok()) {
    std::cerr << "bmf-agent: " << reg.status().to_string() << "\n";
    return 1;
  }
  const auto& id = reg->identity();
  std::cout << "system_uuid: " << id.system_uuid() << "\nserial: " << id.serial() << "\nvendor: " << id.vendor()
            << "\nproduct: " << id.product() << "\nhostname: " << id.hostname() << "\n";
  for (const auto& m : id.macs()) std::cout << "mac: " << m << "\n";
  std::cout << "cpu_threads: " << reg->inventory().cpu_threads() << "\nmemory_bytes: " << reg->inventory().memory_bytes()
            << "\n";
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
  bmf::agent::CoordinatorSession session(io, session_cfg, [&cfg, token] { return build_register(cfg, token); });
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    BMF_LOG_INFO("AGENT_STOPPING signal={}", sig);
    session.stop();
  });
  session.start();
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
  app.add_option("--sysfs-root", cfg.sysfs_root, "sysfs to read identity from (a fixture tree in tests)")
      ->capture_default_str();
  app.add_option("--hostname", cfg.hostname, "hostname to report (default: this machine's)");
  auto* run_cmd = app.add_subcommand("run", "run the agent (the default)");
  auto* identity_cmd = app.add_subcommand("identity", "print this machine's identity and exit");
  app.add_option("--coordinator", cfg.coordinator, "coordinator agent endpoint HOST:PORT")
      ->envname("BMF_AGENT_COORDINATOR")
      ->capture_default_str();
  app.add_option("--enrollment-token-file", cfg.enrollment_token_file, "file whose first line is the enrollment token");
  app.add_flag("--tls", cfg.tls, "connect over TLS (requires --coordinator-cert-sha256)");
  app.add_option("--coordinator-cert-sha256", cfg.cert_sha256, "pinned SHA-256 of the coordinator certificate (hex)");
  app.add_option("--backoff-initial-ms", cfg.backoff_initial_ms, "first reconnect delay")->capture_default_str();
  app.add_option("--backoff-max-ms", cfg.backoff_max_ms, "longest reconnect delay")->capture_default_str();
  app.add_option("--log-level", cfg.log_level, "error|warn|info|debug")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  (void)run_cmd;
  if (*identity_cmd) return print_identity(cfg);
  return run(cfg);
}
