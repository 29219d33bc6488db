#include <gtest/gtest.h>

#include <cmath>

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

// WSD (Hägele et al. 2024): warmup, the peak, then a cooldown of decay_steps to the floor.
TEST(LrSchedule, WarmupStableDecayWithBothCooldownShapes) {
  for (auto shape : {sst::CooldownShape::kLinear, sst::CooldownShape::kOneMinusSqrt}) {
    sst::LrSchedule s{1e-3, 0.1, 10, 100, sst::ScheduleKind::kWsd, 20, shape};
    EXPECT_EQ(s.decay_start(), 80);
    EXPECT_DOUBLE_EQ(s.at(0), 1e-4);
    EXPECT_DOUBLE_EQ(s.at(9), 1e-3);
    for (int64_t i = 10; i < 80; ++i) EXPECT_DOUBLE_EQ(s.at(i), 1e-3) << i;  // stable
    EXPECT_LT(s.at(80), 1e-3);                                               // the first cooldown step
    EXPECT_NEAR(s.at(99), 1e-4, 1e-15);                                      // the last step: the floor
    EXPECT_NEAR(s.at(150), 1e-4, 1e-15);
    for (int64_t i = 80; i < 99; ++i) EXPECT_LT(s.at(i + 1), s.at(i)) << i;
    // Halfway through the cooldown (step 89: progress 10/20).
    const double left = shape == sst::CooldownShape::kLinear ? 0.5 : 1 - std::sqrt(0.5);
    EXPECT_NEAR(s.at(89), 1e-4 + 9e-4 * left, 1e-15);
  }
}

// What makes cooldown branches exact: before a run's cooldown its LR does not depend on its length.
TEST(LrSchedule, WsdBeforeTheCooldownDoesNotDependOnTheRunLength) {
  const sst::LrSchedule shorter{1e-3, 0.0, 5, 60, sst::ScheduleKind::kWsd, sst::wsd_decay_steps(60, 5, 0.2)};
  const sst::LrSchedule longer{1e-3, 0.0, 5, 200, sst::ScheduleKind::kWsd, sst::wsd_decay_steps(200, 5, 0.2)};
  EXPECT_EQ(shorter.decay_start(), 48);
  for (int64_t i = 0; i < shorter.decay_start(); ++i) EXPECT_EQ(shorter.at(i), longer.at(i)) << i;
  // A cosine schedule's does.
  const sst::LrSchedule c1{1e-3, 0.0, 5, 60}, c2{1e-3, 0.0, 5, 200};
  EXPECT_NE(c1.at(30), c2.at(30));
}

TEST(LrSchedule, WsdDecayStepsStayOutOfTheWarmup) {
  EXPECT_EQ(sst::wsd_decay_steps(100, 10, 0.2), 20);
  EXPECT_EQ(sst::wsd_decay_steps(100, 10, 0.001), 1);  // at least one step
  EXPECT_EQ(sst::wsd_decay_steps(30, 25, 0.5), 5);     // never reaching back into the warmup
  EXPECT_EQ(sst::wsd_decay_steps(10, 25, 0.5), 1);     // shorter than its warmup
}
