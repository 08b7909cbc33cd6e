#include "common/log/limiter.h"

namespace bmf::log {

Limiter& Limiter::global() {
  static Limiter limiter;
  return limiter;
}

Limiter::Verdict Limiter::allow(std::string_view key, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= 1024) windows_.clear();  // keys are message IDs: a handful; never grow without bound
    it = windows_.emplace(std::string(key), Window{.started_ms = now_ms}).first;
  }
  Window& w = it->second;
  Verdict v;
  if (now_ms - w.started_ms >= window_ms_) {
    v.suppressed_before = w.suppressed;
    w = Window{.started_ms = now_ms};
  }
  if (w.written < burst_) {
    ++w.written;
    v.write = true;
  } else {
    ++w.suppressed;
  }
  return v;
}

}  // namespace bmf::log
