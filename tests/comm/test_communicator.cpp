// The communicator the trainer picks (comm/communicator.h: MPI for CPU tensors), and with it the checks of
// every src/comm/ module on real ranks: mpi_allreduce_check (mpi_checks.h, one test file per module) under
// mpirun with 1, 2 and 3 ranks. A failed check prints "rank R: FAILED module: what".
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
