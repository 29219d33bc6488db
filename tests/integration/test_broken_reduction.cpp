// The equality tests can fail. A wrong gradient reduction changes AdamW's update little (it divides by
// sqrt(v), so a bucket summed instead of averaged is nearly the same step), so a world-size check that
// passes proves something only if a broken reduction does not. Each break of SST_BREAK_REDUCTION
// (train/fault_injection.h: one bucket skipped, summed instead of averaged, one rank's share left out) on
// 2 ranks, plain and sharded (ZeRO-1), must fail the very check the world-size-invariance and
// sharded == unsharded tests use (training_difference); the same 2-rank run unbroken must pass it.
#include <gtest/gtest.h>

#include "training_runs.h"

using namespace sst::test;

namespace {

constexpr int64_t kSteps = 20;
const std::string kCommon = "--model.dropout=0 --train.max_steps=" + std::to_string(kSteps);

CommandResult train_two_ranks(const std::string& data, const std::string& out, const std::string& fault, bool sharded) {
  const std::string env = fault.empty() ? "" : "SST_BREAK_REDUCTION=" + fault + " ";
  return run_command(env + mpirun(2) + " " + bin("sst-train") + small_run_args(data, out) + " " + kCommon +
                     (sharded ? " --train.shard_optimizer=true" : ""));
}

}  // namespace

TEST(BrokenReduction, EveryBreakFailsTheWorldSizeEqualityCheck) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("broken_reduction");
  const std::string ref = dir / "w1";
  auto r = run_command(mpirun(1) + " " + bin("sst-train") + small_run_args(data, ref) + " " + kCommon);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (bool sharded : {false, true}) {
    const std::string mode = sharded ? "sharded" : "plain";
    const std::string intact = dir / ("w2_" + mode);
    r = train_two_ranks(data, intact, "", sharded);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(training_difference(ref, intact, kSteps), "") << mode << ", unbroken: the check must pass";
    for (const std::string fault : {"skip_bucket", "sum", "drop_rank"}) {
      const std::string run = dir / ("w2_" + mode + "_" + fault);
      r = train_two_ranks(data, run, fault, sharded);
      ASSERT_EQ(r.exit_code, 0) << fault << ":\n" << r.output;
      const std::string difference = training_difference(ref, run, kSteps);
      EXPECT_NE(difference, "") << mode << ", SST_BREAK_REDUCTION=" << fault << " passed the equality check";
      const std::string without_norm = training_difference(ref, run, kSteps, /*grad_norm=*/false);
      std::printf("%s, %s: caught by the check: %s; by loss and parameters alone: %s\n", mode.c_str(), fault.c_str(),
                  difference.c_str(), without_norm.empty() ? "NOT caught" : without_norm.c_str());
    }
  }
}

TEST(BrokenReduction, AnUnknownBreakIsRefused) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("broken_reduction_bad");
  auto r =
      run_command("SST_BREAK_REDUCTION=half " + bin("sst-train") + small_run_args(data, dir / "run") + " " + kCommon);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("SST_BREAK_REDUCTION='half' is not skip_bucket, sum or drop_rank"), std::string::npos)
      << r.output;
}
