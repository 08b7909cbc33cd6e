#include "agent/session/heartbeat_policy.h"

#include <gtest/gtest.h>

namespace bmf::agent {
namespace {

using std::chrono::milliseconds;

// Heartbeats every 10 s, an ack heard at t=0 just after the beat: which of the next beats ask?
std::vector<int> asking_beats(std::uint32_t per_ack, int beats, milliseconds lag = milliseconds(3)) {
  HeartbeatPolicy p{milliseconds(10'000), per_ack};
  std::vector<int> asked;
  milliseconds heard{0};
  for (int i = 1; i <= beats; ++i) {
    const milliseconds sent = milliseconds(10'000) * i - lag;  // beats drift a little against the ack
    if (p.wants_ack(sent - heard)) {
      asked.push_back(i);
      heard = sent + lag;  // answered a few ms later
    }
  }
  return asked;
}

TEST(HeartbeatPolicy, EveryNthBeatAsks_WhateverTheTimingJitter) {
  EXPECT_EQ(asking_beats(1, 4), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(asking_beats(0, 3), (std::vector<int>{1, 2, 3})) << "0 (an old coordinator) means every one";
  EXPECT_EQ(asking_beats(3, 9), (std::vector<int>{3, 6, 9}));
  EXPECT_EQ(asking_beats(3, 9, milliseconds(-3)), (std::vector<int>{3, 6, 9})) << "beats a little late";
  EXPECT_EQ(asking_beats(2, 6), (std::vector<int>{2, 4, 6}));
}

TEST(HeartbeatPolicy, SilenceLimit_AtLeastFourIntervals_AndTwoAsksAfterTheFirst) {
  EXPECT_EQ(HeartbeatPolicy({milliseconds(1000), 1}).silence_limit(), milliseconds(4000));
  EXPECT_EQ(HeartbeatPolicy({milliseconds(1000), 3}).silence_limit(), milliseconds(5000));
  EXPECT_EQ(HeartbeatPolicy({milliseconds(1000), 10}).silence_limit(), milliseconds(12'000));
  // With no answer at all, the beats from the (N - 1/2)-th interval on all ask, before the limit.
  HeartbeatPolicy p{milliseconds(1000), 3};
  EXPECT_FALSE(p.wants_ack(milliseconds(2400)));
  EXPECT_TRUE(p.wants_ack(milliseconds(2500)));
  EXPECT_TRUE(p.wants_ack(milliseconds(4000)));
}

}  // namespace
}  // namespace bmf::agent
