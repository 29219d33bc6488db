// Run lengths from token and FLOP budgets and the steps where cooldown branches start (train/budget.h);
// the loop's bookkeeping of them is tests/train/test_run_policy.cpp. No data needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "train/budget.h"

using ::testing::HasSubstr;

namespace {

// Steps of 100, 300, 100, 300, ... tokens.
int64_t alternating(int64_t step) { return step % 2 == 0 ? 100 : 300; }

sst::TrainConfig budget_config() {
  sst::TrainConfig t;
  t.max_steps = 0;
  t.warmup_steps = 2;
  return t;
}

}  // namespace

TEST(Budget, StepsReachTheTokenBudgetWithinOneStep) {
  EXPECT_EQ(sst::steps_for_tokens(100, alternating), 1);
  EXPECT_EQ(sst::steps_for_tokens(101, alternating), 2);
  EXPECT_EQ(sst::steps_for_tokens(400, alternating), 2);
  EXPECT_EQ(sst::steps_for_tokens(401, alternating), 3);
  EXPECT_EQ(sst::steps_for_tokens(0.5, alternating), 1);
  EXPECT_EQ(sst::steps_for_tokens(2000, alternating), 10);
  EXPECT_THROW(sst::steps_for_tokens(10, [](int64_t) { return int64_t{0}; }), sst::UserError);
}

TEST(Budget, RunLengthFromStepsTokensFlopsOrEpochs) {
  sst::TrainConfig t = budget_config();
  t.epochs = 2.5;
  EXPECT_EQ(sst::run_length(t, 10, alternating, 1000).steps, 25);  // no budget: epochs
  EXPECT_EQ(sst::run_length(t, 10, alternating, 1000).budget_tokens, 0);
  t.max_tokens = 2000;
  sst::RunLength r = sst::run_length(t, 10, alternating, 1000);
  EXPECT_EQ(r.steps, 10);
  EXPECT_EQ(r.budget_tokens, 2000);
  EXPECT_EQ(r.budget_flops, 6.0 * 1000 * 2000);
  // C = 6 N D: a FLOP budget is C / (6 N) tokens of this model.
  t.max_tokens = 0;
  t.max_flops = 6.0 * 1000 * 2000;
  r = sst::run_length(t, 10, alternating, 1000);
  EXPECT_EQ(r.steps, 10);
  EXPECT_DOUBLE_EQ(r.budget_tokens, 2000);
  EXPECT_EQ(sst::run_length(t, 10, alternating, 4000).steps, 3);  // 4x the model: a quarter of the tokens
  t.max_flops = 0;
  t.max_steps = 7;
  EXPECT_EQ(sst::run_length(t, 10, alternating, 1000).steps, 7);
}

TEST(Budget, TheScheduleSpansTheBudgetedRun) {
  sst::TrainConfig t = budget_config();
  t.max_tokens = 2000;
  const sst::RunLength r = sst::run_length(t, 10, alternating, 1000);
  t.schedule = sst::ScheduleKind::kWsd;
  t.decay_fraction = 0.2;
  const sst::LrSchedule s = sst::make_schedule(t, r.steps);
  EXPECT_EQ(s.total_steps, 10);
  EXPECT_EQ(s.decay_steps, 2);
  EXPECT_NEAR(s.at(r.steps - 1), t.lr * t.min_lr_ratio, 1e-15);  // annealed at the budget, not at a cap
  t.schedule = sst::ScheduleKind::kCosine;
  EXPECT_NEAR(sst::make_schedule(t, r.steps).at(r.steps), t.lr * t.min_lr_ratio, 1e-15);
}

// A main run keeps a snapshot where each smaller budget's cooldown starts: the decay start of a wsd run of
// that budget, computed the way that run computes it.
TEST(Budget, SnapshotStepsAreTheBranchesCooldownStarts) {
  sst::TrainConfig t = budget_config();
  t.schedule = sst::ScheduleKind::kWsd;
  t.decay_fraction = 0.25;
  t.max_tokens = 8000;
  t.snapshot_budgets = "2000, 4000,4000";
  const auto steps = sst::snapshot_steps(t, alternating, 1000);
  ASSERT_EQ(steps.size(), 2u);
  for (double b : {2000.0, 4000.0}) {
    sst::TrainConfig branch = t;
    branch.max_tokens = static_cast<int64_t>(b);
    branch.snapshot_budgets.clear();
    const int64_t total = sst::run_length(branch, 10, alternating, 1000).steps;
    const int64_t start = sst::make_schedule(branch, total).decay_start();
    EXPECT_TRUE(std::find(steps.begin(), steps.end(), start) != steps.end()) << b;
  }
  // 2000 tokens = 10 steps with a cooldown of round(2.5) = 3: it starts at 7; 4000 = 20 steps, cooldown 5.
  EXPECT_EQ(steps[0], 7);
  EXPECT_EQ(steps[1], 15);
}

TEST(Budget, BadBudgetListsNameTheKey) {
  EXPECT_THAT(
      [] {
        try {
          sst::parse_budget_list("1e13, x", "train.snapshot_budgets");
        } catch (const sst::UserError& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      HasSubstr("train.snapshot_budgets: 'x' is not a positive number"));
  EXPECT_THROW(sst::parse_budget_list("0", "k"), sst::UserError);
  EXPECT_THROW(sst::parse_budget_list("-1e3", "k"), sst::UserError);
  EXPECT_EQ(sst::parse_budget_list("1e3,2e3", "k"), (std::vector<double>{1e3, 2e3}));
}

// A length no run could have is refused before setup counts its steps one by one (a budget of 1e300
// FLOPs used to spin there forever, out of reach of a stop signal), naming the option, its value and
// the limit; epochs x batches is checked before it could overflow into a one-step run.
TEST(Budget, AnAbsurdLengthIsRefusedBeforeItsStepsAreCounted) {
  sst::TrainConfig t = budget_config();
  int64_t calls = 0;
  const sst::StepTokens counted = [&calls](int64_t step) { return ++calls, alternating(step); };
  t.max_tokens = 1'000'000'000'000'000;
  try {
    sst::run_length(t, 10, counted, 1000);
    ADD_FAILURE() << "expected a UserError";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("train.max_tokens = 1000000000000000 means about 5e+12 optimizer steps, more "
                                    "than the limit of 1e+08 steps per run"));
  }
  EXPECT_LE(calls, 10) << "only the first epoch's steps are looked at";
  t.max_tokens = 0;
  t.max_flops = 1e300;
  EXPECT_THROW(sst::run_length(t, 10, counted, 1000), sst::UserError);
  t.max_flops = 0;
  t.epochs = 1e30;
  try {
    sst::run_length(t, 10, counted, 1000);
    ADD_FAILURE() << "expected a UserError";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("train.epochs = 1e+30 (10 steps per epoch) means about 1e+31 optimizer steps"));
  }
  t.epochs = 1e7;  // 1e8 steps: the limit itself is allowed
  EXPECT_EQ(sst::run_length(t, 10, counted, 1000).steps, sst::kMaxRunSteps);
  EXPECT_THROW(sst::steps_for_tokens(1e12, [](int64_t) { return int64_t{1}; }), sst::UserError);
}
