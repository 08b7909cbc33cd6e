#pragma once
// Reconnect backoff: exponential with jitter, so a thousand agents that lost the
// coordinator at the same moment do not all come back at the same moment.
#include <chrono>
#include <cstdint>
#include <random>

namespace bmf::agent {

struct BackoffPolicy {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{30'000};
};

// Attempt 0 waits about `initial`; each further attempt doubles, capped at `max`.
// The wait is drawn uniformly from [d/2, d] ("equal jitter").
inline std::chrono::milliseconds backoff_delay(const BackoffPolicy& p, std::uint32_t attempt, std::mt19937_64& rng) {
  std::int64_t d = p.initial.count();
  for (std::uint32_t i = 0; i < attempt && d < p.max.count(); ++i) d *= 2;
  if (d > p.max.count()) d = p.max.count();
  std::uniform_int_distribution<std::int64_t> dist(d / 2, d);
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace bmf::agent
