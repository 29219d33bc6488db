// `sst-analyze curves` end to end (analysis/runs/curves_command.cpp) on fabricated runs.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {
namespace {

using namespace fixtures;

TEST(AnalysisCurvesCli, TwoRunsAndUsage) {
  const TempDir d("analysis_curves");
  const fs::path sweep = write_sweep(fs::path(d.path()) / "sweep");
  auto r = run_command(analyze() + " curves " + sh_quote((sweep / "runs" / "r0").string()) + " " +
                       sh_quote((sweep / "runs" / "r1").string()) + " --output " + sh_quote(d / "curves"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"curves_steps.png", "curves_steps.svg", "curves_tokens.png", "curves_tokens.svg"})
    EXPECT_TRUE(nonempty(d / "curves" + "/" + f)) << f;
  EXPECT_EQ(read_json(d / "curves/curves.json")["runs"].size(), 2u);
  r = run_command(analyze() + " curves --output x");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace sst::analysis::runs
