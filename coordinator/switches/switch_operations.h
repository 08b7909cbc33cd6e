#pragma once
// How the admin API starts switch work without knowing about NETCONF or
// threads. SwitchSyncer implements it; tests can use a fake.
#include <optional>
#include <string>

#include "common/status/status.h"

namespace bmf::coordinator {

struct OperationState {
  std::string id;
  std::string kind;
  std::string target;
  std::string state;  // running | succeeded | failed
  std::string message;
};

class SwitchOperations {
 public:
  virtual ~SwitchOperations() = default;
  // Starts re-applying the database's port configuration to the switch; returns the operation id.
  virtual Result<std::string> start_sync(const std::string& switch_name) = 0;
  virtual std::optional<OperationState> operation(const std::string& id) const = 0;
};

}  // namespace bmf::coordinator
