#pragma once
// Wall-clock access behind an interface so liveness logic can be stepped in tests.
// bmf stores times as milliseconds since the Unix epoch (UTC).
#include <cstdint>
#include <string>

namespace bmf {

using EpochMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  EpochMs now_ms() const override;
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochMs start) : now_(start) {}
  EpochMs now_ms() const override { return now_; }
  void advance_ms(EpochMs delta) { now_ += delta; }

 private:
  EpochMs now_;
};

// "2026-11-23T19:59:36.123Z"; empty for 0 (never).
std::string format_rfc3339(EpochMs ms);

}  // namespace bmf
