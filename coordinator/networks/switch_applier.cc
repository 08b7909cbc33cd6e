#include "coordinator/networks/switch_applier.h"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <fstream>

#include "common/log/log.h"
#include "netconf/client/switch_connection.h"
#include "netconf/drivers/openconfig_driver.h"
#include "netconf/transaction/switch_transaction.h"

namespace bmf::coordinator {
namespace {

Result<netconf::SshTarget> target_of(const SwitchRecord& sw) {
  netconf::SshTarget t;
  t.host = sw.address;
  t.port = sw.port;
  t.user = sw.username;
  t.private_key_file = sw.private_key_file;
  t.known_hosts_file = sw.known_hosts_file;
  t.trust_on_first_use = sw.trust_on_first_use;
  if (!sw.password_file.empty()) {
    std::ifstream in(sw.password_file);
    std::getline(in, t.password);
    if (t.password.empty()) return invalid_argument(fmt::format("switch {}: cannot read password file {}", sw.name, sw.password_file));
  }
  return t;
}

std::string summary(const netconf::ChangeSet& c) {
  std::string out = fmt::format("{} port(s)", c.ports.size());
  if (!c.ensure_vlans.empty()) out += fmt::format(", VLANs present {}", fmt::join(c.ensure_vlans, ","));
  if (!c.remove_vlans.empty()) out += fmt::format(", VLANs removed {}", fmt::join(c.remove_vlans, ","));
  return out;
}

}  // namespace

NetconfApplier::NetconfApplier(boost::asio::io_context& io) : io_(io) {}
NetconfApplier::~NetconfApplier() { stop(); }

void NetconfApplier::stop() {
  worker_.stop();
  worker_.join();
}

void NetconfApplier::apply(std::vector<SwitchWork> work, std::string persist_token, std::function<void(ApplyOutcome)> done) {
  ++in_flight_;
  boost::asio::post(worker_, [this, work = std::move(work), token = std::move(persist_token), done = std::move(done)]() mutable {
    ApplyOutcome outcome;
    try {
      outcome = run(work, token);
    } catch (const std::exception& e) {  // never lose the operation: it fails with the reason
      outcome.failure = internal_error(fmt::format("switch worker: {}", e.what()));
    }
    boost::asio::post(io_, [this, done = std::move(done), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));  // the operation's result is in the database before it stops counting
      --in_flight_;
    });
  });
}

ApplyOutcome NetconfApplier::run(std::vector<SwitchWork>& work, const std::string& persist_token) {
  ApplyOutcome out;
  for (int attempt = 1;; ++attempt) {
    out = ApplyOutcome{};
    std::vector<std::unique_ptr<netconf::OpenConfigDriver>> drivers;
    std::vector<netconf::SwitchChange> changes;
    bool sessions_ok = true;
    for (auto& w : work) {
      auto& conn = connections_[w.sw.name];
      auto target = target_of(w.sw);
      if (!target.ok()) {
        out.failed_switch = w.sw.name;
        out.failure = target.status();
        return out;
      }
      if (!conn) conn = std::make_unique<netconf::SwitchConnection>(*target);
      const auto opened_before = conn->sessions_opened();
      auto session = conn->session();
      out.sessions_opened += conn->sessions_opened() - opened_before;
      if (!session.ok()) {
        out.failed_switch = w.sw.name;
        out.failure = session.status();
        out.lines.push_back(fmt::format("{}: not reached ({})", w.sw.name, session.status().to_string()));
        sessions_ok = false;
        break;
      }
      drivers.push_back(std::make_unique<netconf::OpenConfigDriver>(**session, netconf::OpenConfigOptions{
                                                                                   .network_instance = w.sw.network_instance}));
      changes.push_back({w.sw.name, drivers.back().get(), w.changes});
    }
    if (!sessions_ok) return out;
    auto report = netconf::apply_across_switches(changes, {.confirm_timeout = std::chrono::seconds(120),
                                                           .persist_token = persist_token + "-" + std::to_string(attempt)});
    out.committed = report.committed;
    out.failed_switch = report.failed_switch;
    out.failure = report.failure;
    for (std::size_t i = 0; i < report.switches.size(); ++i) {
      out.lines.push_back(fmt::format("{}: {} ({})", report.switches[i].switch_name, report.switches[i].detail,
                                      summary(changes[i].changes)));
    }
    if (out.committed) return out;
    // A transport failure (dead session: the switch restarted) while preparing:
    // nothing stayed committed anywhere, so drop the sessions and try once more.
    const bool transport = report.failure.code() == StatusCode::kUnavailable;
    const bool any_confirmed = std::any_of(report.switches.begin(), report.switches.end(), [](const auto& s) {
      return s.result == netconf::SwitchOutcome::Result::kConfirmed;
    });
    if (!transport || any_confirmed || attempt >= 2) return out;
    BMF_LOG_WARN("SWITCH_SESSION_RETRY {}: {}; retrying once on a fresh session", report.failed_switch,
                 report.failure.to_string());
    connections_[report.failed_switch]->reset();
  }
}

}  // namespace bmf::coordinator
