#include "coordinator/switches/switch_syncer.h"

#include <boost/asio/post.hpp>
#include <fstream>
#include <fmt/format.h>

#include "common/clock/clock.h"
#include "common/log/log.h"
#include "netconf/client/switch_connection.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/drivers/port_plan.h"

namespace bmf::coordinator {
namespace {

struct SyncJob {
  std::string id;
  SwitchRecord sw;
  std::string password;
  std::map<std::string, netconf::PortConfig> assigned;
};

netconf::PortConfig to_port_config(const SwitchPortRecord& p) {
  netconf::PortConfig c;
  if (p.mode == "trunk") {
    c.mode = netconf::PortConfig::Mode::kTrunk;
    c.native_vlan = p.native_vlan;
    c.trunk_vlans = p.trunk_vlans;
  } else if (p.mode == "shutdown") {
    c.mode = netconf::PortConfig::Mode::kShutdown;
  } else {
    c.access_vlan = p.access_vlan;
  }
  return c;
}

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
  if (changes.ports.empty()) return std::string("in sync, nothing to change");
  std::vector<std::string> names;
  for (const auto& [port, cfg] : changes.ports) names.push_back(port);
  BMF_RETURN_IF_ERROR(driver.prepare(changes, {.confirm_timeout = std::chrono::seconds(120), .persist_token = "bmf-" + job.id}));
  BMF_RETURN_IF_ERROR(driver.confirm());
  return fmt::format("{} port(s) re-applied: {}", names.size(), fmt::join(names, ","));
}

}  // namespace

SwitchSyncer::SwitchSyncer(boost::asio::io_context& io, Store& store) : io_(io), store_(store) {}
SwitchSyncer::~SwitchSyncer() { stop(); }

void SwitchSyncer::stop() {
  workers_.stop();
  workers_.join();
}

Result<std::string> SwitchSyncer::start_sync(const std::string& switch_name) {
  SyncJob job;
  BMF_ASSIGN_OR_RETURN(job.sw, store_.get_switch(switch_name));
  if (job.sw.driver != "openconfig") return failed_precondition(fmt::format("no driver named '{}'", job.sw.driver));
  BMF_ASSIGN_OR_RETURN(auto ports, store_.list_switch_ports(switch_name));
  for (const auto& p : ports) job.assigned[p.port] = to_port_config(p);
  job.id = fmt::format("op-{}", next_id_++);
  const std::string id = job.id;
  operations_[job.id] = OperationState{job.id, "switch-sync", switch_name, "running", ""};
  (void)store_.append_event({.time_ms = SystemClock().now_ms(), .actor = "admin", .kind = "SWITCH_SYNC_STARTED",
                             .message = fmt::format("{} ({} desired ports)", switch_name, ports.size())});
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
      outcome = run_sync(*conn, job);
    }
    bool ok = outcome.ok();
    std::string message = ok ? *outcome : outcome.status().to_string();
    boost::asio::post(io_, [this, id = job.id, name = job.sw.name, ok, message] { finish(id, name, ok, message); });
  });
  return id;
}

void SwitchSyncer::finish(const std::string& id, const std::string& switch_name, bool ok, const std::string& message) {
  auto& op = operations_[id];
  op.state = ok ? "succeeded" : "failed";
  op.message = message;
  (void)store_.append_event({.time_ms = SystemClock().now_ms(), .actor = "coordinator",
                             .kind = ok ? "SWITCH_SYNCED" : "SWITCH_SYNC_FAILED",
                             .message = fmt::format("{}: {}", switch_name, message)});
  if (ok) BMF_LOG_INFO("SWITCH_SYNCED {}: {}", switch_name, message);
  else BMF_LOG_WARN("SWITCH_SYNC_FAILED {}: {}", switch_name, message);
}

std::optional<OperationState> SwitchSyncer::operation(const std::string& id) const {
  auto it = operations_.find(id);
  if (it == operations_.end()) return std::nullopt;
  return it->second;
}

}  // namespace bmf::coordinator
