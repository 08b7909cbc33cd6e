// bmf-agent: collect this machine's inventory, register with the coordinator,
// heartbeat, re-report on link changes, reconnect forever; stop cleanly on
// SIGTERM/SIGINT.
//   bmf-agent [run] --coordinator HOST:PORT [--root DIR] ...
//   bmf-agent inventory [-o text|json|pb] [--root DIR]    print the inventory and exit
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <optional>
#include <cstdio>
#include <cstdlib>

#include "agent/config/agent_config.h"
#include "agent/handover/slurm_node.h"
#include "agent/inventory/collector.h"
#include "agent/inventory/link_monitor.h"
#include "agent/inventory/inventory_json.h"
#include "agent/session/coordinator_session.h"
#include "agent/session/link_watch.h"
#include "agent/wipe/disk_wipe.h"
#include "common/log/log.h"

namespace {

constexpr const char* kAgentVersion = "0.1.0";

using Config = bmf::agent::AgentConfig;

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return {};
  return buf;
}

bmf::agent::RootFs root_fs(const Config& cfg) { return bmf::agent::RootFs(cfg.root); }

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

// The commands an agent understands. Runs on the worker thread (inventory listens
// for LLDP, wipe erases whole disks): never on the io thread that heartbeats.
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
  } else if (cmd.kind() == "wipe") {
    if (!cfg.allow_wipe) {
      r.set_success(false);
      r.set_message("this agent does not wipe disks (only the discovery image's agent runs with --allow-wipe)");
      return r;
    }
    auto request = bmf::agent::parse_wipe_request(cmd.payload());
    if (!request.ok()) {
      r.set_success(false);
      r.set_message(request.status().to_string());
      return r;
    }
    BMF_LOG_INFO("AGENT_WIPE_STARTED devices={}", fmt::join(request->devices, ","));
    bmf::agent::WipeReport report = bmf::agent::wipe(*request);
    r.set_success(report.status.ok());
    r.set_message(report.summary());
    r.set_payload(report.to_proto().SerializeAsString());
  } else if (cmd.kind() == "slurm-join" || cmd.kind() == "slurm-leave") {
    static bmf::agent::SlurmNode slurm({.state_dir = cfg.state_dir + "/slurm"});  // worker thread only
    bmf::Result<std::string> done = bmf::invalid_argument("unreadable " + cmd.kind() + " payload");
    if (cmd.kind() == "slurm-join") {
      bmf::proto::SlurmJoin join;
      if (join.ParseFromString(cmd.payload())) done = slurm.join(join);
    } else {
      bmf::proto::SlurmLeave leave;
      if (leave.ParseFromString(cmd.payload())) done = slurm.leave(leave);
    }
    r.set_success(done.ok());
    r.set_message(done.ok() ? *done : done.status().to_string());
  } else {
    r.set_success(false);
    r.set_message("unsupported command kind '" + cmd.kind() + "'");
  }
  return r;
}

int print_inventory(const Config& cfg) {
  auto inv = collect(cfg);
  if (!inv.ok()) {
    std::fprintf(stderr, "bmf-agent: %s\n", inv.status().to_string().c_str());
    return 1;
  }
  std::string out = cfg.output == "json"  ? bmf::agent::inventory_to_json(*inv) + "\n"
                    : cfg.output == "pb" ? inv->SerializeAsString()
                                         : bmf::agent::inventory_to_text(*inv);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int run(const Config& cfg) {
  // 1. Logging and configuration.
  bmf::log::Level level = bmf::log::Level::kInfo;
  (void)bmf::log::parse_level(cfg.log_level, level);  // validated by parse_agent_config
  bmf::log::set_level(level);
  bmf::agent::SessionConfig session_cfg;
  auto colon = cfg.coordinator.rfind(':');  // HOST:PORT validated by parse_agent_config
  session_cfg.host = cfg.coordinator.substr(0, colon);
  session_cfg.port = static_cast<std::uint16_t>(std::strtoul(cfg.coordinator.c_str() + colon + 1, nullptr, 10));
  session_cfg.tls = cfg.tls;
  session_cfg.cert_sha256 = cfg.cert_sha256;
  session_cfg.backoff = {std::chrono::milliseconds(cfg.backoff_initial_ms), std::chrono::milliseconds(cfg.backoff_max_ms)};
  std::string token;
  if (!cfg.enrollment_token_file.empty()) {
    auto text = bmf::agent::RootFs("/").read(cfg.enrollment_token_file);
    if (text.ok()) token = text->substr(0, text->find('\n'));
    if (token.empty()) {
      std::fprintf(stderr, "bmf-agent: cannot read a token from %s\n", cfg.enrollment_token_file.c_str());
      return 2;
    }
  }
  // 2. Fail fast on an unreadable identity rather than retrying forever.
  auto first = build_register(cfg, token);
  if (!first.ok()) {
    BMF_LOG_ERROR("AGENT_IDENTITY_UNREADABLE: {}", first.status().to_string());
    return 1;
  }

  // 3. Session, signals, run.
  boost::asio::io_context io(1);
  boost::asio::thread_pool worker(1);  // commands: one at a time, off the io thread
  bmf::agent::CoordinatorSession session(
      io, session_cfg,
      // The first registration reuses the inventory just collected (no second LLDP wait).
      [&cfg, token, cached = std::optional<bmf::proto::Register>(std::move(first).value())]() mutable
      -> bmf::Result<bmf::proto::Register> {
        if (cached) {
          bmf::proto::Register reg = std::move(*cached);
          cached.reset();
          return reg;
        }
        return build_register(cfg, token);
      },
      [&cfg, &io, &worker](const bmf::proto::Command& cmd, bmf::agent::CoordinatorSession::Reply reply) {
        boost::asio::post(worker, [&cfg, &io, cmd, reply = std::move(reply)]() mutable {
          bmf::proto::CommandResult r = run_command(cfg, cmd);
          boost::asio::post(io, [r = std::move(r), reply = std::move(reply)]() mutable { reply(std::move(r)); });
        });
      },
      // Registrations and link-change re-reports collect the inventory (LLDP listen) here too.
      [&worker](std::function<void()> job) { boost::asio::post(worker, std::move(job)); });
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
                                session.report_inventory([&cfg] { return collect(cfg); }, reason);
                              });
    } else {
      BMF_LOG_WARN("LINK_MONITOR_UNAVAILABLE: {}", monitor.status().to_string());
    }
  }
  BMF_LOG_INFO("AGENT_STARTED version={} coordinator={} root={} tls={}", kAgentVersion, cfg.coordinator,
               cfg.root, cfg.tls);
  io.run();
  // A job still running (an LLDP listen, a wipe, slurmd starting) is not waited for beyond a
  // bound: its result has no session to go to anyway.
  auto idle = std::make_shared<std::promise<void>>();
  auto drained = idle->get_future();
  boost::asio::post(worker, [idle] { idle->set_value(); });
  if (drained.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    BMF_LOG_WARN("AGENT_STOPPED with a job still running on the worker (abandoned)");
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(0);
  }
  worker.join();
  BMF_LOG_INFO("AGENT_STOPPED");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = bmf::agent::parse_agent_config(std::vector<std::string>(argv + 1, argv + argc),
                                            std::getenv("BMF_AGENT_COORDINATOR"));
  if (!cfg.ok()) {
    std::fprintf(stderr, "bmf-agent: %s\n", cfg.status().message().c_str());
    return 2;
  }
  switch (cfg->mode) {
    case Config::Mode::kHelp: std::fputs(bmf::agent::agent_usage().c_str(), stdout); return 0;
    case Config::Mode::kVersion: std::printf("bmf-agent %s\n", kAgentVersion); return 0;
    case Config::Mode::kInventory: return print_inventory(*cfg);
    case Config::Mode::kRun: return run(*cfg);
  }
  return 0;
}
