#pragma once
// How the admin API starts switch work without knowing about NETCONF or
// threads. SwitchSyncer implements it; tests can use a fake.
#include <optional>
#include <string>

#include "common/status/status.h"
#include "coordinator/store/records.h"

namespace bmf::coordinator {

class SwitchOperations {
 public:
  virtual ~SwitchOperations() = default;
  // Starts re-applying the database's port configuration to the switch; returns the
  // journaled operation (GET /api/v1/operations/{id} follows it).
  virtual Result<OperationRecord> start_sync(const std::string& switch_name, const std::string& actor) = 0;
  // Connects and checks the switch can take bmf's changes (reachable, credentials, the
  // configured network instance exists); changes nothing.
  virtual Result<OperationRecord> start_check(const std::string& switch_name, const std::string& actor) = 0;
};

}  // namespace bmf::coordinator
