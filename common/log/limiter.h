#pragma once
// Rate-limited log lines, for what an outsider can make happen as often as they like (a flood
// of bad connections must not fill the journal): per key, at most `burst` lines per window;
// the rest are counted, and the first line of the next window says how many were dropped:
//   LOG_SUPPRESSED key=AGENT_PROTOCOL_ERROR count=9812 window_s=10
//   BMF_LOG_WARN_LIMITED("AGENT_PROTOCOL_ERROR", "AGENT_PROTOCOL_ERROR peer={}: {}", peer, why);
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/log/log.h"

namespace bmf::log {

class Limiter {
 public:
  struct Verdict {
    bool write = false;
    std::uint64_t suppressed_before = 0;  // dropped in the window that just ended (say so first)
  };
  explicit Limiter(std::uint32_t burst = 10, std::int64_t window_ms = 10'000) : burst_(burst), window_ms_(window_ms) {}
  Verdict allow(std::string_view key, std::int64_t now_ms);
  std::int64_t window_ms() const { return window_ms_; }
  static Limiter& global();
  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

 private:
  struct Window {
    std::int64_t started_ms = 0;
    std::uint32_t written = 0;
    std::uint64_t suppressed = 0;
  };
  std::mutex mu_;
  std::map<std::string, Window, std::less<>> windows_;
  std::uint32_t burst_;
  std::int64_t window_ms_;
};

template <typename... Args>
void emit_limited(Level lvl, std::string_view key, fmt::format_string<Args...> format, Args&&... args) {
  if (static_cast<int>(lvl) > static_cast<int>(level())) return;
  auto& limiter = Limiter::global();
  const auto v = limiter.allow(key, Limiter::now_ms());
  if (v.suppressed_before) {
    write(lvl, fmt::format("LOG_SUPPRESSED key={} count={} window_s={}", key, v.suppressed_before, limiter.window_ms() / 1000));
  }
  if (v.write) write(lvl, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace bmf::log

#define BMF_LOG_WARN_LIMITED(key, ...) ::bmf::log::emit_limited(::bmf::log::Level::kWarn, key, __VA_ARGS__)
#define BMF_LOG_INFO_LIMITED(key, ...) ::bmf::log::emit_limited(::bmf::log::Level::kInfo, key, __VA_ARGS__)
