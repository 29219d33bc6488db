// `sst-analyze ablations` end to end (analysis/runs/ablations_command.cpp) on a fabricated sweep.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {
namespace {

using namespace fixtures;

TEST(AnalysisAblationsCli, GroupsASweepAgainstABaseline) {
  const TempDir d("analysis_ablations");
  const fs::path sweep = write_sweep(fs::path(d.path()) / "sweep");
  auto r = run_command(analyze() + " ablations " + sh_quote(sweep.string()) +
                       " --baseline r0 --ignore model.* --output " + sh_quote(d / "abl"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json a = read_json(d / "abl/ablations.json");
  ASSERT_EQ(a["groups"].size(), 2u);  // lr 0.001 (baseline) and 0.002; seeds and output dirs ignored
  EXPECT_TRUE(a["groups"][0]["baseline"].get<bool>());
  EXPECT_EQ(a["groups"][0]["n_runs"].get<int>() + a["groups"][1]["n_runs"].get<int>(), 9);
  // Seeds 1 to 3 in each group (--ignore model.* makes runs of one seed at other sizes one group): runs that
  // share a seed count once.
  EXPECT_EQ(a["groups"][0]["n_seeds"], 3);
  EXPECT_EQ(a["groups"][1]["n_seeds"], 3);
  EXPECT_EQ(a["groups"][1]["differences"][0]["key"], "train.lr");
  EXPECT_NE(read_text(d / "abl/ablations.md").find("train.lr: 0.001 → 0.002"), std::string::npos);
  r = run_command(analyze() + " ablations " + sh_quote(sweep.string()) + " --baseline nosuch");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--baseline 'nosuch'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sst::analysis::runs
