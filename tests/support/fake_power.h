#pragma once
// FakePower: a PowerDriver for service tests. Actions wait until the test completes
// them (or complete at once with `immediate`), so every step boundary can be looked at.
#include <vector>

#include "coordinator/power/power_driver.h"

namespace bmf::testing {

class FakePower final : public coordinator::PowerDriver {
 public:
  struct Call {
    std::uint64_t node;
    coordinator::PowerAction action;
    std::function<void(coordinator::PowerOutcome)> done;
  };
  void run(std::uint64_t node, coordinator::PowerAction action, std::function<void(coordinator::PowerOutcome)> done) override {
    log.push_back({node, action});
    if (immediate) return done(outcome(action, true));
    pending.push_back({node, action, std::move(done)});
  }
  // Completes every pending action (successfully or with `why`); returns how many.
  std::size_t complete_all(bool ok = true, const std::string& why = "BMC did not answer") {
    auto calls = std::move(pending);
    pending.clear();
    for (auto& c : calls) c.done(outcome(c.action, ok, why));
    return calls.size();
  }
  std::size_t count(coordinator::PowerAction action) const {
    std::size_t n = 0;
    for (const auto& [node, a] : log) n += a == action;
    return n;
  }

  bool immediate = false;
  std::vector<Call> pending;
  std::vector<std::pair<std::uint64_t, coordinator::PowerAction>> log;

 private:
  static coordinator::PowerOutcome outcome(coordinator::PowerAction action, bool ok, const std::string& why = "") {
    using coordinator::PowerState;
    coordinator::PowerOutcome o;
    o.status = ok ? ok_status() : unavailable(why);
    o.state = !ok ? PowerState::kUnknown : action == coordinator::PowerAction::kOff ? PowerState::kOff : PowerState::kOn;
    o.calls = 3;
    o.elapsed_ms = 1200;
    return o;
  }
};

}  // namespace bmf::testing
