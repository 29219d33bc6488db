#include <gtest/gtest.h>

#include "train/schedule.h"

TEST(LrSchedule, LinearWarmupThenCosineToTheFloor) {
  sst::LrSchedule s{1e-3, 0.1, 10, 110};
  EXPECT_DOUBLE_EQ(s.at(0), 1e-4);  // first step: 1/10 of the peak
  EXPECT_DOUBLE_EQ(s.at(4), 5e-4);
  EXPECT_DOUBLE_EQ(s.at(9), 1e-3);        // end of warmup: the peak
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);       // cosine starts at the peak
  EXPECT_NEAR(s.at(60), 0.55e-3, 1e-12);  // halfway: mean of peak and floor
  EXPECT_NEAR(s.at(110), 1e-4, 1e-15);    // end: the floor
  EXPECT_NEAR(s.at(500), 1e-4, 1e-15);    // past the end: stays at the floor
  for (int64_t i = 10; i < 110; ++i) EXPECT_LE(s.at(i + 1), s.at(i)) << "not monotone at " << i;
}

TEST(LrSchedule, NoWarmupStartsAtThePeak) {
  sst::LrSchedule s{2e-3, 0.0, 0, 100};
  EXPECT_DOUBLE_EQ(s.at(0), 2e-3);
  EXPECT_NEAR(s.at(100), 0.0, 1e-15);
}
