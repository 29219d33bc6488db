// common/clock.h: seconds_since counts the steady clock's seconds from a point.
#include "common/clock.h"

#include <gtest/gtest.h>

#include <chrono>

TEST(Clock, SecondsSinceAPointInThePastIsItsDistance) {
  const auto two_s_ago = sst::SteadyClock::now() - std::chrono::seconds(2);
  const double s = sst::seconds_since(two_s_ago);
  EXPECT_GE(s, 2.0);
  EXPECT_LT(s, 60.0);
}

TEST(Clock, SecondsSinceNowIsSmallAndNotNegative) {
  const double s = sst::seconds_since(sst::SteadyClock::now());
  EXPECT_GE(s, 0.0);
  EXPECT_LT(s, 1.0);
}
