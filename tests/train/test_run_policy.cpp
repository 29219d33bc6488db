// The training loop's decisions (train/run_policy.h), on a bare TrainState: when to evaluate and
// checkpoint, which evaluation is the best, and when the run stops with which status. No model, no data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "train/run_policy.h"
#include "train/signals.h"

using sst::RunPolicy;
using sst::StopReason;
using sst::rundir::RunStatus;
using ::testing::HasSubstr;

namespace {

sst::TrainConfig every(int64_t eval_every, int64_t checkpoint_every, int64_t patience = 0) {
  sst::TrainConfig t;
  t.eval_every = eval_every;
  t.checkpoint_every = checkpoint_every;
  t.patience = patience;
  return t;
}

sst::TrainState at_step(int64_t step) {
  sst::TrainState s;
  s.step = step;
  return s;
}

}  // namespace

TEST(RunPolicy, EvaluatesAndCheckpointsOnTheirGridsAndEvaluatesTheLastStep) {
  const auto t = every(10, 500);
  const RunPolicy policy(t, 25);
  EXPECT_FALSE(policy.eval_due(9));
  EXPECT_TRUE(policy.eval_due(10));
  EXPECT_TRUE(policy.eval_due(20));
  EXPECT_FALSE(policy.eval_due(21));
  EXPECT_TRUE(policy.eval_due(25));  // the last step is always evaluated, off the grid or not
  // Checkpoints: on their own grid, but not at the last step.
  const auto t20 = every(10, 20);
  const RunPolicy every_20(t20, 40);
  EXPECT_TRUE(every_20.checkpoint_due(20));
  EXPECT_FALSE(every_20.checkpoint_due(30));
  EXPECT_FALSE(every_20.checkpoint_due(40));  // the run's end is saved by the loop itself, not as a periodic one
}

TEST(RunPolicy, TheBestEvaluationRecordsItsTokensAndSnapshotsAreDueAtTheirSteps) {
  const auto t = every(10, 500);
  const RunPolicy policy(t, 100, {20, 40});
  sst::TrainState s = at_step(10);
  s.tokens_processed = 1234;
  EXPECT_TRUE(policy.record_eval(s, 0.5, 0.8));
  EXPECT_EQ(s.best_tokens_processed, 1234);
  EXPECT_EQ(s.best_step, 10);
  EXPECT_DOUBLE_EQ(s.best_dev_acc, 0.8);
  s.step = 20;
  s.tokens_processed = 2000;
  EXPECT_FALSE(policy.record_eval(s, 0.6, 0.9));
  EXPECT_EQ(s.best_tokens_processed, 1234);  // not a better loss: the best's tokens, step and accuracy stay
  EXPECT_EQ(s.best_step, 10);
  EXPECT_DOUBLE_EQ(s.best_dev_acc, 0.8);
  EXPECT_TRUE(policy.snapshot_due(20));
  EXPECT_TRUE(policy.snapshot_due(40));
  EXPECT_FALSE(policy.snapshot_due(30));
  EXPECT_FALSE(RunPolicy(t, 100).snapshot_due(20));
}

TEST(RunPolicy, AnEqualLossIsNotAnImprovementAndABetterOneResetsPatience) {
  const auto t = every(10, 500, 3);
  const RunPolicy policy(t, 100);
  sst::TrainState s = at_step(10);
  EXPECT_TRUE(policy.record_eval(s, 0.5, 0.8));
  s.step = 20;
  EXPECT_FALSE(policy.record_eval(s, 0.5, 0.9));
  EXPECT_EQ(s.evals_without_improvement, 1);
  s.step = 30;
  EXPECT_FALSE(policy.record_eval(s, 0.7, 0.9));
  EXPECT_EQ(s.evals_without_improvement, 2);
  s.step = 40;
  EXPECT_TRUE(policy.record_eval(s, 0.4, 0.85));
  EXPECT_EQ(s.evals_without_improvement, 0);
  EXPECT_EQ(s.best_step, 40);
}

TEST(RunPolicy, PatienceStopsTheRunEarlyOnlyOnceExhausted) {
  const auto t = every(10, 500, 2);
  const RunPolicy policy(t, 100);
  sst::TrainState s = at_step(10);
  policy.record_eval(s, 0.5, 0.8);
  s.step = 20;
  policy.record_eval(s, 0.6, 0.8);
  EXPECT_FALSE(policy.stop_after(s, false).has_value());
  EXPECT_FALSE(policy.already_stopped(s));
  s.step = 30;
  policy.record_eval(s, 0.6, 0.8);
  const auto stop = policy.stop_after(s, false);
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(stop->reason, StopReason::kPatience);
  EXPECT_EQ(stop->status(), RunStatus::kEarlyStopped);
  EXPECT_THAT(stop->message(t, 30), HasSubstr("no better dev loss in 2 evaluations"));
  EXPECT_TRUE(policy.already_stopped(s));  // a resumed run that had run out of patience does not train on
  EXPECT_FALSE(RunPolicy(every(10, 500, 0), 100).already_stopped(s));  // patience 0: never
}

TEST(RunPolicy, TheLastStepCompletesTheRunEvenWithAStopRequest) {
  const auto t = every(10, 500);
  const RunPolicy policy(t, 50);
  EXPECT_FALSE(policy.stop_after(at_step(49), false).has_value());
  for (const bool requested : {false, true}) {
    const auto stop = policy.stop_after(at_step(50), requested);
    ASSERT_TRUE(stop.has_value());
    EXPECT_EQ(stop->reason, StopReason::kBudgetDone);
    EXPECT_EQ(stop->status(), RunStatus::kCompleted);
    EXPECT_EQ(stop->message(t, 50), "trained all 50 steps");
  }
}

TEST(RunPolicy, AStopRequestOrHaltAtStepPreemptsWithTheRequeueExitCode) {
  auto t = every(10, 500);
  t.halt_at_step = 30;
  const RunPolicy policy(t, 100);
  const auto signal = policy.stop_after(at_step(12), true);
  ASSERT_TRUE(signal.has_value());
  EXPECT_EQ(signal->reason, StopReason::kSignal);
  EXPECT_EQ(signal->status(), RunStatus::kPreempted);
  const std::string exit_code = "exit " + std::to_string(sst::kExitCheckpointedRequeue);
  EXPECT_THAT(signal->message(t, 12), HasSubstr("checkpointed at step 12; " + exit_code));
  EXPECT_FALSE(policy.stop_after(at_step(29), false).has_value());
  const auto halt = policy.stop_after(at_step(30), false);
  ASSERT_TRUE(halt.has_value());
  EXPECT_EQ(halt->reason, StopReason::kHaltAtStep);
  EXPECT_EQ(halt->status(), RunStatus::kPreempted);
  EXPECT_THAT(halt->message(t, 30), HasSubstr("train.halt_at_step reached"));
  EXPECT_FALSE(policy.stop_after(at_step(31), false).has_value());  // only at that step
}
