#include "agent/session/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace bmf::agent {

TEST(BackoffDelay, DoublesWithinJitterBandAndCaps) {
  std::mt19937_64 rng(1);
  BackoffPolicy p{std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  for (int round = 0; round < 200; ++round) {
    auto d0 = backoff_delay(p, 0, rng).count();
    EXPECT_GE(d0, 50);
    EXPECT_LE(d0, 100);
    auto d3 = backoff_delay(p, 3, rng).count();
    EXPECT_GE(d3, 400);
    EXPECT_LE(d3, 800);
    auto d30 = backoff_delay(p, 30, rng).count();
    EXPECT_GE(d30, 500);
    EXPECT_LE(d30, 1000);
  }
}

TEST(BackoffDelay, JitterSpreadsAgents) {
  std::mt19937_64 rng(7);
  BackoffPolicy p{std::chrono::milliseconds(1000), std::chrono::milliseconds(1000)};
  std::set<long> seen;
  for (int i = 0; i < 100; ++i) seen.insert(backoff_delay(p, 0, rng).count());
  EXPECT_GT(seen.size(), 50u);
}

}  // namespace bmf::agent
