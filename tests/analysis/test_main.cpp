// The sst-analyze dispatcher (analysis/main.cpp): --help lists the subcommands (`fit` is checked by
// fit/test_fit_command.cpp, since it is optional), a missing or unknown subcommand is a usage error (exit 2).
#include <gtest/gtest.h>

#include "tests/analysis/fixtures.h"

namespace sst::analysis {
namespace {

using fixtures::analyze;
using test::run_command;

TEST(AnalysisMain, HelpListsSubcommandsAndUnknownOnesAreUsageErrors) {
  auto r = run_command(analyze() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"evaluate ", "predict ", "attention ", "curves ", "ablations ", "report "})
    EXPECT_NE(r.output.find(cmd), std::string::npos) << cmd << "\n" << r.output;
  EXPECT_EQ(run_command(analyze() + " no-such-subcommand").exit_code, 2);
  EXPECT_EQ(run_command(analyze()).exit_code, 2);
}

}  // namespace
}  // namespace sst::analysis
