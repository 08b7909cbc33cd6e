#pragma once
// Moves ports on several switches as one change: prepare every switch (each a
// confirmed, self-reverting commit), and only when all are prepared confirm
// them all. If any switch fails, every prepared switch is rolled back at once
// (cancel-commit; the confirm timeout is the backstop if even that fails) and
// the report says which switch failed and why. Nothing is left half applied.
#include <string>
#include <vector>

#include "netconf/drivers/switch_driver.h"

namespace bmf::netconf {

struct SwitchChange {
  std::string switch_name;
  SwitchDriver* driver;
  ChangeSet changes;
};

struct SwitchOutcome {
  std::string switch_name;
  enum class Result { kConfirmed, kRolledBack, kFailed, kNotAttempted } result = Result::kNotAttempted;
  std::string detail;
};

struct TransactionReport {
  bool committed = false;
  std::vector<SwitchOutcome> switches;
  std::string failed_switch;  // empty when committed
  Status failure;             // why failed_switch failed
};

TransactionReport apply_across_switches(std::vector<SwitchChange>& changes, const PrepareOptions& options);

}  // namespace bmf::netconf
