#pragma once
// How the admin API hands a command to a connected agent, without knowing about
// sockets. AgentServer implements it; tests use a fake.
#include <cstdint>
#include <functional>
#include <string>

#include "common/status/status.h"

namespace bmf::coordinator {

// What an agent did that services wait for (cleaning waits for a re-registration
// after a power cycle, then for its wipe to finish).
struct AgentEvent {
  enum class Kind { kRegistered, kCommandDone } kind = Kind::kRegistered;
  std::uint64_t node_id = 0;
  std::string command_id;  // kCommandDone
  bool success = false;
  std::string message;
  std::string payload;
};

class CommandDispatcher {
 public:
  virtual ~CommandDispatcher() = default;
  // Queues the command on the node's live session; returns the command id.
  // UNAVAILABLE when the node has no live session.
  virtual Result<std::string> dispatch(std::uint64_t node_id, const std::string& kind,
                                       const std::string& payload) = 0;
  virtual bool connected(std::uint64_t node_id) const = 0;
  // Listeners run on the io thread after the event is stored.
  virtual void subscribe(std::function<void(const AgentEvent&)> listener) = 0;
};

}  // namespace bmf::coordinator
