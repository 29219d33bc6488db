// `sst-analyze branches` end to end (analysis/runs/branches_command.cpp) on two fabricated sweeps.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {
namespace {

using namespace fixtures;

// A finished run whose summary.json says what a budget sweep writes.
void write_budget_run(const fs::path& dir, double loss, double flops, double spent, int branch_step,
                      const std::string& schedule) {
  write_run(dir, {"0.002", 1, 0.8, loss});
  test::write_text((dir / "summary.json").string(), json{{"status", "completed"},
                                                         {"best_dev_loss", loss},
                                                         {"best_dev_acc", 0.8},
                                                         {"flops", flops},
                                                         {"budget_flops", flops},
                                                         {"flops_spent", spent},
                                                         {"branch_step", branch_step},
                                                         {"schedule", schedule}}
                                                        .dump());
}

TEST(AnalysisBranchesCli, ComparesBranchesWithFullRunsAndRefusesAnUnfinishedSweep) {
  const TempDir d("analysis_branches");
  const fs::path wsd = fs::path(d.path()) / "wsd", full = fs::path(d.path()) / "full";
  write_budget_run(wsd / "runs/m_c1e11_s1", 0.42, 1e11, 2e10, 120, "wsd");
  write_budget_run(wsd / "runs/m_c1e12_s1", 0.40, 1e12, 1e12, -1, "wsd");
  write_budget_run(full / "runs/m_c1e11_s1", 0.40, 1e11, 1e11, -1, "cosine");
  auto r = run_command(analyze() + " branches " + sh_quote(wsd.string()) + " --reference " + sh_quote(full.string()) +
                       " --output " + sh_quote(d / "out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json b = read_json(d / "out/branches.json");
  ASSERT_EQ(b["pairs"].size(), 1u);
  EXPECT_EQ(b["pairs"][0]["run"], "m_c1e11_s1");
  EXPECT_NEAR(b["pairs"][0]["relative_difference"].get<double>(), 0.05, 1e-12);
  EXPECT_NEAR(b["flops_saved_fraction"].get<double>(), 1 - 1.02e12 / 1.1e12, 1e-12);
  EXPECT_NE(r.output.find("| m_c1e11_s1 | 1e+11 | 120 | 0.42 | 0.4 | +5.00% |"), std::string::npos) << r.output;
  EXPECT_NE(read_text(d / "out/branches.md").find("saved 7.3%"), std::string::npos);

  // A run without summary.json (still running): a one-line error naming it, and no output written.
  write_run(wsd / "runs/m_c3e11_s1", {"0.002", 1, 0.8, 0.41, false});
  r = run_command(analyze() + " branches " + sh_quote(wsd.string()) + " --reference " + sh_quote(full.string()) +
                  " --output " + sh_quote(d / "out2"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("m_c3e11_s1: not a finished run"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "out2"));
  r = run_command(analyze() + " branches " + sh_quote(wsd.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;  // --reference is required
}

}  // namespace
}  // namespace sst::analysis::runs
