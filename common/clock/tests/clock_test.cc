#include "common/clock/clock.h"

#include <gtest/gtest.h>

namespace bmf {

TEST(FormatRfc3339, EpochMillis_FormatsUtcWithMillis) {
  EXPECT_EQ(format_rfc3339(1795463976123), "2026-11-23T19:59:36.123Z");
  EXPECT_EQ(format_rfc3339(1000), "1970-01-01T00:00:01.000Z");
}

TEST(FormatRfc3339, Zero_MeansNeverAndIsEmpty) { EXPECT_EQ(format_rfc3339(0), ""); }

TEST(ManualClock, Advance_MovesNow) {
  ManualClock clock(5000);
  clock.advance_ms(250);
  EXPECT_EQ(clock.now_ms(), 5250);
}

}  // namespace bmf
