// The collective timeouts as both watchdogs read them (one parser, one contract): a default, 0 for off,
// a plain number of seconds, anything else refused naming the variable and its value. The MPI watchdog
// ending a job is tested on the simulated cluster (tests/multinode); the NCCL one needs GPUs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "comm/collective_watchdog.h"
#include "common/error.h"

using sst::comm::collective_timeout_s;
using sst::comm::nccl_timeout_s;
using sst::comm::parse_timeout_s;

TEST(CollectiveTimeout, DefaultZeroAndSecondsAreAcceptedAnythingElseIsRefused) {
  EXPECT_EQ(parse_timeout_s("V", nullptr, 600.0), 600.0);
  EXPECT_EQ(parse_timeout_s("V", "", 300.0), 300.0);
  EXPECT_EQ(parse_timeout_s("V", "0", 600.0), 0.0);
  EXPECT_EQ(parse_timeout_s("V", "2.5", 600.0), 2.5);
  EXPECT_EQ(parse_timeout_s("V", "120", 600.0), 120.0);
  for (const char* bad : {"abc", "-1", "5s", "5m", "nan", "inf", " ", "1e999"}) {
    try {
      parse_timeout_s("SST_X_TIMEOUT_S", bad, 600.0);
      ADD_FAILURE() << "'" << bad << "' accepted";
    } catch (const sst::UserError& e) {
      EXPECT_EQ(std::string(e.what()),
                "SST_X_TIMEOUT_S=" + std::string(bad) + ": not a number of seconds >= 0 (0: no timeout)");
    }
  }
}

// Both variables go through that parser, each with its own default.
TEST(CollectiveTimeout, MpiAndNcclVariablesShareTheContract) {
  const std::pair<const char*, std::function<double()>> variables[] = {
      {"SST_COLLECTIVE_TIMEOUT_S", collective_timeout_s}, {"SST_NCCL_TIMEOUT_S", nccl_timeout_s}};
  for (const auto& [name, read] : variables) {
    ::unsetenv(name);
    EXPECT_EQ(read(), std::string(name) == "SST_NCCL_TIMEOUT_S" ? 300.0 : 600.0) << name;
    ::setenv(name, "0", 1);
    EXPECT_EQ(read(), 0.0) << name << ": 0 turns the deadline off, not a deadline of 0 s";
    ::setenv(name, "5m", 1);
    try {
      read();
      ADD_FAILURE() << name << "=5m accepted";
    } catch (const sst::UserError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(name) + "=5m"), std::string::npos) << e.what();
    }
    ::unsetenv(name);
  }
}
