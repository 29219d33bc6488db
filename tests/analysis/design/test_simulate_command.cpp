// `sst-sweep simulate` (analysis/design/simulate_command.cpp): simulation.json and design.jsonl written, or
// nothing with a one-line error; its options' ranges as usage errors (exit 2).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "design_fixtures.h"
#include "test_support.h"

using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using sst::test::TempDir;

TEST(AnalysisDesignCommand, WritesSimulationJsonOrNothing) {
  TempDir dir("design");
  const std::string file = sweep_file(dir, "start = d8, d12, d16\ncap_flops = 1e16\n");
  const auto ok = sst::test::run_tool(
      "sst-sweep", {"simulate", file, "--law", "1.7,400,0.34,410,0.28", "--noise", "0.01", "--output", dir / "out"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto j = sst::test::read_json(dir / "out/simulation.json");
  for (const char* k : {"runs", "flops", "budgets", "allocation", "stop_reason", "fixed_grid"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["stopped_by"], "bracketed");
  EXPECT_EQ(j["allocation"]["a_interval_90"].size(), 2u);
  EXPECT_FALSE(sst::test::read_jsonl(dir / "out/design.jsonl").empty());
  const auto bad = sst::test::run_tool(
      "sst-sweep", {"simulate", file, "--law", "1.7,400,0.34", "--noise", "0.01", "--output", dir / "bad"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("sst-sweep: error: --law"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad/simulation.json"));
  // The option table: --noise in [0, 1) and required, a usage error naming it.
  const auto noisy = sst::test::run_tool(
      "sst-sweep", {"simulate", file, "--law", "1.7,400,0.34,410,0.28", "--noise", "1", "--output", dir / "bad"});
  EXPECT_EQ(noisy.exit_code, 2);
  EXPECT_EQ(noisy.err, "sst-sweep: usage error: --noise = 1: must be in [0, 1)\n");
  const auto quiet = sst::test::run_tool("sst-sweep", {"simulate", file, "--law", "1.7,400,0.34,410,0.28"});
  EXPECT_EQ(quiet.exit_code, 2);
  EXPECT_NE(quiet.err.find("'--noise' is required"), std::string::npos) << quiet.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad/simulation.json"));
}
