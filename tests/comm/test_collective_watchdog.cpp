// SST_COLLECTIVE_TIMEOUT_S as the watchdog reads it: a default, 0 for off, anything else refused naming
// the variable. The watchdog ending a job is tested on the simulated cluster (tests/multinode).
#include <gtest/gtest.h>

#include <cstdlib>

#include "comm/collective_watchdog.h"
#include "common/error.h"

using sst::comm::collective_timeout_s;

TEST(CollectiveTimeout, DefaultZeroAndSecondsAreAcceptedAnythingElseIsRefused) {
  ::unsetenv("SST_COLLECTIVE_TIMEOUT_S");
  EXPECT_EQ(collective_timeout_s(), 600.0);
  ::setenv("SST_COLLECTIVE_TIMEOUT_S", "0", 1);
  EXPECT_EQ(collective_timeout_s(), 0.0);
  ::setenv("SST_COLLECTIVE_TIMEOUT_S", "2.5", 1);
  EXPECT_EQ(collective_timeout_s(), 2.5);
  for (const char* bad : {"abc", "-1", "5s", "nan"}) {
    ::setenv("SST_COLLECTIVE_TIMEOUT_S", bad, 1);
    try {
      collective_timeout_s();
      ADD_FAILURE() << bad << " accepted";
    } catch (const sst::UserError& e) {
      EXPECT_NE(std::string(e.what()).find("SST_COLLECTIVE_TIMEOUT_S=" + std::string(bad)), std::string::npos)
          << e.what();
    }
  }
  ::unsetenv("SST_COLLECTIVE_TIMEOUT_S");
}
