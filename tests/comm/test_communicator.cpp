#include <gtest/gtest.h>

#include "test_support.h"

using namespace sst::test;

class MpiAllreduce : public ::testing::TestWithParam<int> {};

TEST_P(MpiAllreduce, SumsBroadcastsAndAveragesGradientsAcrossRanks) {
  auto r = run_command(mpirun(GetParam()) + " " + bin("mpi_allreduce_check"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK world=" + std::to_string(GetParam()) + " backend=mpi"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Ranks, MpiAllreduce, ::testing::Values(1, 2, 3));
