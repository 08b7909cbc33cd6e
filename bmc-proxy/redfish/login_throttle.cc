#include "bmc-proxy/redfish/login_throttle.h"

namespace bmf::bmcproxy {

bool LoginThrottle::blocked(const std::string& peer, Clock::time_point now) {
  auto it = failures_.find(peer);
  if (it == failures_.end()) return false;
  if (now - it->second.since > window_) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= max_failures_;
}

void LoginThrottle::failed(const std::string& peer, Clock::time_point now) {
  // Forget stale streaks now and then so the map stays as small as the attack.
  if (failures_.size() > 4096) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.since > window_ ? failures_.erase(it) : std::next(it);
    }
  }
  auto& s = failures_[peer];
  if (s.count == 0 || now - s.since > window_) s = {0, now};
  ++s.count;
}

}  // namespace bmf::bmcproxy
