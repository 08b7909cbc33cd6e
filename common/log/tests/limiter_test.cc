#include "common/log/limiter.h"

#include <gtest/gtest.h>

namespace bmf::log {
namespace {

TEST(LogLimiter, BurstThenCounted_TheNextWindowSaysHowManyWereDropped) {
  Limiter l(3, 1000);
  int written = 0;
  for (int i = 0; i < 100; ++i) written += l.allow("AGENT_PROTOCOL_ERROR", 5000 + i).write;
  EXPECT_EQ(written, 3);
  auto next = l.allow("AGENT_PROTOCOL_ERROR", 6000);
  EXPECT_TRUE(next.write);
  EXPECT_EQ(next.suppressed_before, 97u);
  EXPECT_EQ(l.allow("AGENT_PROTOCOL_ERROR", 6001).suppressed_before, 0u) << "said once";
}

TEST(LogLimiter, KeysAreCountedApart) {
  Limiter l(1, 1000);
  EXPECT_TRUE(l.allow("A", 0).write);
  EXPECT_FALSE(l.allow("A", 1).write);
  EXPECT_TRUE(l.allow("B", 1).write) << "a flood of one kind does not hide another";
}

TEST(LogLimiter, AQuietKeyIsNeverDelayed) {
  Limiter l(10, 10'000);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.allow("NODE_REGISTERED", i * 60'000).write);
}

}  // namespace
}  // namespace bmf::log
