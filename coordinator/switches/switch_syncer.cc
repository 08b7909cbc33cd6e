#include "coordinator/switches/switch_syncer.h"

#include <boost/asio/post.hpp>
#include <fstream>
#include <fmt/format.h>

#include "common/clock/clock.h"
#include "common/log/log.h"
#include "netconf/client/switch_connection.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/drivers/port_plan.h"
#include "coordinator/networks/port_planner.h"

#include <set>

namespace bmf::coordinator {
namespace {

struct SyncJob {
  bool check_only = false;
  OperationRecord op;
  SwitchRecord sw;
  std::string password;
  std::map<std::string, netconf::PortConfig> assigned;
};

// Runs on the worker thread: returns "n ports changed" or the failure.
Result<std::string> run_sync(netconf::SwitchConnection& conn, const SyncJob& job) {
  BMF_ASSIGN_OR_RETURN(netconf::NetconfSession * session, conn.session());
  netconf::OpenConfigDriver driver(*session, {.network_instance = job.sw.network_instance});
  auto actual = driver.read_ports();
  if (!actual.ok()) {
    conn.reset();  // maybe a dead session: reconnect next time
    return actual.status();
  }
  std::map<std::string, netconf::PortConfig> desired = job.assigned;
  if (job.sw.unused_ports != "keep") {
    std::vector<std::string> all;
    for (const auto& [port, cfg] : *actual) all.push_back(port);
    netconf::UnusedPortPolicy policy{job.sw.unused_ports == "shutdown" ? netconf::UnusedPortPolicy::Action::kShutdown
                                                                       : netconf::UnusedPortPolicy::Action::kPark,
                                     job.sw.parking_vlan};
    BMF_ASSIGN_OR_RETURN(desired, netconf::desired_ports(all, job.assigned, policy));
  }
  netconf::ChangeSet changes = netconf::drift_repair(desired, *actual);
  // Every VLAN a port uses must exist in the switch's network instance, or a real
  // switch rejects the port or black-holes its traffic.
  std::set<std::uint16_t> used;
  for (const auto& [port, cfg] : desired) {
    if (cfg.mode == netconf::PortConfig::Mode::kAccess && cfg.access_vlan) used.insert(cfg.access_vlan);
    if (cfg.mode == netconf::PortConfig::Mode::kTrunk) {
      used.insert(cfg.trunk_vlans.begin(), cfg.trunk_vlans.end());
      if (cfg.native_vlan) used.insert(cfg.native_vlan);
    }
  }
  auto instances = driver.read_vlans();
  if (!instances.ok()) return instances.status();
  if (!instances->count(job.sw.network_instance)) BMF_RETURN_IF_ERROR(driver.check_network_instance());
  std::vector<std::uint16_t> missing;
  for (auto v : used) {
    const auto& have = (*instances)[job.sw.network_instance];
    if (std::find(have.begin(), have.end(), v) == have.end()) missing.push_back(v);
  }
  changes.ensure_vlans = missing;
  if (changes.ports.empty() && missing.empty()) return std::string("in sync, nothing to change");
  std::vector<std::string> names;
  for (const auto& [port, cfg] : changes.ports) names.push_back(port);
  BMF_RETURN_IF_ERROR(driver.prepare(changes, {.confirm_timeout = std::chrono::seconds(120), .persist_token = fmt::format("bmf-sync-{}", job.op.id)}));
  BMF_RETURN_IF_ERROR(driver.confirm());
  std::string out = fmt::format("{} port(s) re-applied: {}", names.size(), fmt::join(names, ","));
  if (!missing.empty()) out += fmt::format("; VLAN(s) created: {}", fmt::join(missing, ","));
  return out;
}

// Runs on the worker thread: what the switch offers, or why bmf cannot use it.
Result<std::string> run_check(netconf::SwitchConnection& conn, const SyncJob& job) {
  BMF_ASSIGN_OR_RETURN(netconf::NetconfSession * session, conn.session());
  netconf::OpenConfigDriver driver(*session, {.network_instance = job.sw.network_instance});
  if (Status s = driver.check_network_instance(); !s.ok()) {
    if (s.code() == StatusCode::kUnavailable) conn.reset();
    return s;
  }
  BMF_ASSIGN_OR_RETURN(auto ports, driver.read_ports());
  BMF_ASSIGN_OR_RETURN(auto vlans, driver.read_vlans());
  const bool candidate = session->has_capability("urn:ietf:params:netconf:capability:candidate");
  return fmt::format("reachable: {} ports, network instance {} with {} VLAN(s), {} datastore", ports.size(), job.sw.network_instance,
                     vlans[job.sw.network_instance].size(), candidate ? "candidate (confirmed commits)" : "running");
}

}  // namespace

SwitchSyncer::SwitchSyncer(boost::asio::io_context& io, Store& store) : io_(io), store_(store) {}
SwitchSyncer::~SwitchSyncer() { stop(); }

void SwitchSyncer::stop() {
  workers_.stop();
  workers_.join();
}

Result<OperationRecord> SwitchSyncer::start_sync(const std::string& switch_name, const std::string& actor) {
  return start("switch-sync", switch_name, actor);
}

Result<OperationRecord> SwitchSyncer::start_check(const std::string& switch_name, const std::string& actor) {
  return start("switch-check", switch_name, actor);
}

Result<OperationRecord> SwitchSyncer::start(const std::string& kind, const std::string& switch_name, const std::string& actor) {
  SyncJob job;
  job.check_only = kind == "switch-check";
  BMF_ASSIGN_OR_RETURN(job.sw, store_.get_switch(switch_name));
  if (job.sw.driver != "openconfig") return failed_precondition(fmt::format("no driver named '{}'", job.sw.driver));
  BMF_ASSIGN_OR_RETURN(auto ports, store_.list_switch_ports(switch_name));
  for (const auto& p : ports) job.assigned[p.port] = to_port_config(p);
  const EpochMs now = SystemClock().now_ms();
  job.op = OperationRecord{.kind = kind, .target = switch_name, .state = "running", .stage = "switches",
                           .actor = actor, .created_at_ms = now, .updated_at_ms = now};
  BMF_RETURN_IF_ERROR(store_.create_operation(job.op));
  const OperationRecord started = job.op;
  if (!job.check_only) {
    (void)store_.append_event({.time_ms = now, .actor = actor, .kind = EventKind::kSwitchSyncStarted,
                               .message = fmt::format("{} ({} desired ports)", switch_name, ports.size())});
  }
  ++in_flight_;
  boost::asio::post(workers_, [this, job = std::move(job)] {
    auto& conn = connections_[job.sw.name];
    netconf::SshTarget t;
    t.host = job.sw.address;
    t.port = job.sw.port;
    t.user = job.sw.username;
    t.private_key_file = job.sw.private_key_file;
    t.known_hosts_file = job.sw.known_hosts_file;
    t.trust_on_first_use = job.sw.trust_on_first_use;
    Result<std::string> outcome = std::string();
    if (!job.sw.password_file.empty()) {
      std::ifstream in(job.sw.password_file);
      std::getline(in, t.password);
      if (t.password.empty()) outcome = invalid_argument("cannot read password file " + job.sw.password_file);
    }
    if (outcome.ok()) {
      if (!conn) conn = std::make_unique<netconf::SwitchConnection>(t);
      outcome = job.check_only ? run_check(*conn, job) : run_sync(*conn, job);
    }
    bool ok = outcome.ok();
    std::string message = ok ? *outcome : outcome.status().to_string();
    boost::asio::post(io_, [this, op = job.op, ok, message] {
      finish(op, ok, message);
      --in_flight_;
    });
  });
  return started;
}

void SwitchSyncer::finish(OperationRecord op, bool ok, const std::string& message) {
  op.state = ok ? "succeeded" : "failed";
  op.stage = "done";
  op.message = message;
  op.updated_at_ms = SystemClock().now_ms();
  if (Status s = store_.update_operation(op); !s.ok()) BMF_LOG_ERROR("OPERATION_WRITE_FAILED {}: {}", op.id, s.to_string());
  const bool check = op.kind == "switch-check";
  const EventKind kind = check ? (ok ? EventKind::kSwitchChecked : EventKind::kSwitchCheckFailed)
                               : (ok ? EventKind::kSwitchSynced : EventKind::kSwitchSyncFailed);
  (void)store_.append_event({.time_ms = op.updated_at_ms, .actor = "coordinator", .kind = kind,
                             .message = fmt::format("{}: {}", op.target, message)});
  if (ok) BMF_LOG_INFO("{} {}: {}", to_string(kind), op.target, message);
  else BMF_LOG_WARN("{} {}: {}", to_string(kind), op.target, message);
}

}  // namespace bmf::coordinator
