#pragma once
// How the admin API hands a command to a connected agent, without knowing about
// sockets. AgentServer implements it; tests use a fake.
#include <cstdint>
#include <string>

#include "common/status/status.h"

namespace bmf::coordinator {

class CommandDispatcher {
 public:
  virtual ~CommandDispatcher() = default;
  // Queues the command on the node's live session; returns the command id.
  // UNAVAILABLE when the node has no live session.
  virtual Result<std::string> dispatch(std::uint64_t node_id, const std::string& kind,
                                       const std::string& payload) = 0;
  virtual bool connected(std::uint64_t node_id) const = 0;
};

}  // namespace bmf::coordinator
