// Statuses round-trip through their names; checkpoint file names encode and decode the step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rundir/run_dir.h"

using sst::rundir::RunDir;
using sst::rundir::RunStatus;

TEST(RunStatus, EveryStatusRoundTripsThroughItsName) {
  for (RunStatus s : {RunStatus::kCompleted, RunStatus::kEarlyStopped, RunStatus::kPreempted, RunStatus::kRunning,
                      RunStatus::kFailed, RunStatus::kInterrupted, RunStatus::kMissing})
    EXPECT_EQ(sst::rundir::parse_status(sst::rundir::to_string(s)), s);
  EXPECT_EQ(sst::rundir::parse_status("done"), std::nullopt);
  EXPECT_EQ(sst::rundir::to_string(RunStatus::kEarlyStopped), "early_stopped");
}

TEST(RunStatus, OnlyCompletedAndEarlyStoppedAreFinished) {
  EXPECT_TRUE(sst::rundir::is_finished(RunStatus::kCompleted));
  EXPECT_TRUE(sst::rundir::is_finished(RunStatus::kEarlyStopped));
  for (RunStatus s :
       {RunStatus::kPreempted, RunStatus::kRunning, RunStatus::kFailed, RunStatus::kInterrupted, RunStatus::kMissing})
    EXPECT_FALSE(sst::rundir::is_finished(s));
}

TEST(RunDir, NamesTheFilesOfARun) {
  RunDir d("runs/x");
  EXPECT_EQ(d.summary(), "runs/x/summary.json");
  EXPECT_EQ(d.manifest(), "runs/x/checkpoints/manifest.json");
  EXPECT_EQ(d.step_checkpoint(120), "runs/x/checkpoints/step_00000120.pt");
  EXPECT_EQ(d.best_checkpoint(), "runs/x/checkpoints/best.pt");
}

TEST(RunDir, StepCheckpointNamesDecodeToTheirStep) {
  EXPECT_EQ(RunDir::step_of_checkpoint_name(RunDir::step_checkpoint_name(12345678)), 12345678);
  EXPECT_EQ(RunDir::step_of_checkpoint_name("step_00000007.pt"), 7);
  EXPECT_EQ(RunDir::step_of_checkpoint_name("best.pt"), std::nullopt);
  EXPECT_EQ(RunDir::step_of_checkpoint_name("step_00000007.pt.tmp.123"), std::nullopt);
  EXPECT_EQ(RunDir::step_of_checkpoint_name("step_7.pt"), std::nullopt);
}
