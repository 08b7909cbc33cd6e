#include "netconf/transaction/switch_transaction.h"

namespace bmf::netconf {

TransactionReport apply_across_switches(std::vector<SwitchChange>& changes, const PrepareOptions& options) {
  TransactionReport report;
  for (const auto& c : changes) report.switches.push_back({c.switch_name});
  std::size_t prepared = 0;
  for (; prepared < changes.size(); ++prepared) {
    Status s = changes[prepared].driver->prepare(changes[prepared].changes, options);
    if (!s.ok()) {
      report.failed_switch = changes[prepared].switch_name;
      report.failure = s;
      report.switches[prepared].result = SwitchOutcome::Result::kFailed;
      report.switches[prepared].detail = s.to_string();
      break;
    }
  }
  if (prepared < changes.size()) {
    for (std::size_t i = 0; i < prepared; ++i) {
      Status r = changes[i].driver->rollback();
      report.switches[i].result = SwitchOutcome::Result::kRolledBack;
      report.switches[i].detail =
          r.ok() ? "rolled back" : "rollback failed (" + r.to_string() + "); the confirm timeout will revert it";
    }
    return report;
  }
  report.committed = true;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    Status s = changes[i].driver->confirm();
    report.switches[i].result = s.ok() ? SwitchOutcome::Result::kConfirmed : SwitchOutcome::Result::kFailed;
    report.switches[i].detail = s.ok() ? "confirmed" : s.to_string();
    if (!s.ok() && report.failed_switch.empty()) {
      // A confirm that fails leaves that switch to its confirm timeout: it reverts alone.
      report.committed = false;
      report.failed_switch = changes[i].switch_name;
      report.failure = s;
    }
  }
  return report;
}

}  // namespace bmf::netconf
