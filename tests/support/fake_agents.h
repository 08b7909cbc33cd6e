#pragma once
// FakeAgents: a CommandDispatcher for service tests. Nodes are connected by hand,
// commands are recorded, and the test plays the agents' side (a registration after a
// reboot, a command's result) through the same listeners the AgentServer calls.
#include <fmt/format.h>

#include <set>
#include <vector>

#include "coordinator/agent_server/command_dispatcher.h"

namespace bmf::testing {

class FakeAgents final : public coordinator::CommandDispatcher {
 public:
  struct Sent {
    std::uint64_t node_id;
    std::string kind;
    std::string payload;
    std::string command_id;
  };

  Result<std::string> dispatch(std::uint64_t node_id, const std::string& kind, const std::string& payload) override {
    if (!online.count(node_id)) return unavailable(fmt::format("node {} has no live agent session", node_id));
    sent.push_back({node_id, kind, payload, fmt::format("c{}", sent.size() + 1)});
    return sent.back().command_id;
  }
  bool connected(std::uint64_t node_id) const override { return online.count(node_id) > 0; }
  void subscribe(std::function<void(const coordinator::AgentEvent&)> listener) override { listeners.push_back(std::move(listener)); }

  // The agent of `node` (re)registered.
  void registers(std::uint64_t node) {
    online.insert(node);
    publish({.kind = coordinator::AgentEvent::Kind::kRegistered, .node_id = node});
  }
  // Finishes the last command of `kind` sent to `node`.
  bool finish(std::uint64_t node, const std::string& kind, bool success, const std::string& message = "done") {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      if (it->node_id == node && it->kind == kind) {
        publish({.kind = coordinator::AgentEvent::Kind::kCommandDone, .node_id = node, .command_id = it->command_id,
                 .success = success, .message = message});
        return true;
      }
    }
    return false;
  }
  std::size_t count(const std::string& kind) const {
    std::size_t n = 0;
    for (const auto& s : sent) n += s.kind == kind;
    return n;
  }

  std::set<std::uint64_t> online;
  std::vector<Sent> sent;
  std::vector<std::function<void(const coordinator::AgentEvent&)>> listeners;

 private:
  void publish(const coordinator::AgentEvent& e) {
    for (const auto& l : listeners) l(e);
  }
};

}  // namespace bmf::testing
