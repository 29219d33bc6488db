// The test hooks (train/fault_injection.h), read from the environment: SST_BREAK_REDUCTION's faults and a
// bad value refused, and the loss hook that makes one rank's loss NaN or throws at a step (1-based), on
// that rank only, and is not installed at all without the variables. No model, no MPI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "train/fault_injection.h"

using ::testing::HasSubstr;

namespace {

const char* const kVariables[] = {"SST_BREAK_REDUCTION", "SST_INJECT_NAN_AT_STEP", "SST_INJECT_NAN_RANK",
                                  "SST_INJECT_ERROR_AT_STEP", "SST_INJECT_ERROR_RANK"};

// Every hook variable unset before and after each test.
class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override { unset_all(); }
  void TearDown() override { unset_all(); }
  static void unset_all() {
    for (const char* v : kVariables) ::unsetenv(v);
  }
  // The loss hook a run on rank `rank` of 2 gets from the environment (empty: none).
  static decltype(sst::Run::loss_hook) hook_on(int rank) {
    sst::comm::World world;
    world.rank = rank;
    world.size = 2;
    sst::Run r(sst::Config{}, world);
    sst::install_fault_injection(r);
    return r.loss_hook;
  }
};

}  // namespace

TEST_F(FaultInjection, BreakReductionNamesAFaultOrIsRefused) {
  using sst::comm::ReductionFault;
  EXPECT_EQ(sst::reduction_fault_from_env(), ReductionFault::kNone);
  ::setenv("SST_BREAK_REDUCTION", "skip_bucket", 1);
  EXPECT_EQ(sst::reduction_fault_from_env(), ReductionFault::kSkipBucket);
  ::setenv("SST_BREAK_REDUCTION", "sum", 1);
  EXPECT_EQ(sst::reduction_fault_from_env(), ReductionFault::kSumNotAverage);
  ::setenv("SST_BREAK_REDUCTION", "drop_rank", 1);
  EXPECT_EQ(sst::reduction_fault_from_env(), ReductionFault::kDropRank);
  ::setenv("SST_BREAK_REDUCTION", "", 1);
  EXPECT_EQ(sst::reduction_fault_from_env(), ReductionFault::kNone) << "empty is unset";
  ::setenv("SST_BREAK_REDUCTION", "halve", 1);
  try {
    sst::reduction_fault_from_env();
    FAIL() << "an unknown fault was accepted";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("SST_BREAK_REDUCTION='halve' is not skip_bucket, sum or drop_rank"));
  }
}

TEST_F(FaultInjection, NoVariablesNoHook) { EXPECT_FALSE(hook_on(0)); }

TEST_F(FaultInjection, TheLossIsNaNAtTheStepOnTheChosenRankOnly) {
  ::setenv("SST_INJECT_NAN_AT_STEP", "3", 1);
  ::setenv("SST_INJECT_NAN_RANK", "1", 1);
  EXPECT_FALSE(hook_on(0)) << "rank 0 is not the one asked for";
  const auto hook = hook_on(1);
  ASSERT_TRUE(hook);
  const auto loss = torch::tensor(0.5);
  EXPECT_EQ(hook(loss, 1).item<double>(), 0.5);
  EXPECT_TRUE(std::isnan(hook(loss, 2).item<double>())) << "loop step 2 is step 3 of the log";
  EXPECT_EQ(hook(loss, 3).item<double>(), 0.5);
}

TEST_F(FaultInjection, AnInjectedErrorIsThrownAtItsStepOnRankZeroByDefault) {
  ::setenv("SST_INJECT_ERROR_AT_STEP", "2", 1);
  EXPECT_FALSE(hook_on(1));
  const auto hook = hook_on(0);
  ASSERT_TRUE(hook);
  const auto loss = torch::tensor(0.5);
  EXPECT_EQ(hook(loss, 0).item<double>(), 0.5);
  try {
    hook(loss, 1);
    FAIL() << "no error at step 2";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("injected failure at step 2"));
  }
}
