// Cooldown branches against full runs (analysis/runs/branches.h) on runs built in memory.
#include "analysis/runs/branches.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sst::analysis::runs {
namespace {

// A finished run: best dev loss `loss`, `flops` for its whole length, of which it trained `spent` itself.
Run run(const std::string& name, double loss, double flops, double spent, int64_t branch_step = -1) {
  Run r;
  r.dir = "sweep/runs/" + name;
  r.name = name;
  rundir::RunSummary s;
  s.best_dev_loss = loss;
  s.flops = s.budget_flops = flops;
  s.flops_spent = spent;
  s.branch_step = branch_step;
  s.schedule = branch_step >= 0 || spent < flops ? "wsd" : "cosine";
  r.summary = s;
  return r;
}

TEST(AnalysisBranches, PairsBranchesWithFullRunsAndCountsTheComputeSaved) {
  // One main run of 1e12 FLOPs with two branches of 1e11 and 3e11 whose cooldowns cost 2e10 and 6e10.
  const std::vector<runs::Run> sweep{run("m_c1e11", 0.44, 1e11, 2e10, 100), run("m_c3e11", 0.40, 3e11, 6e10, 300),
                                     run("m_c1e12", 0.38, 1e12, 1e12)};
  const std::vector<runs::Run> full{run("m_c1e11", 0.40, 1e11, 1e11), run("m_c3e11", 0.41, 3e11, 3e11),
                                    run("other", 0.5, 1e11, 1e11)};
  const BranchComparison c = compare_branches(sweep, full);
  ASSERT_EQ(c.pairs.size(), 2u);
  EXPECT_EQ(c.runs, 3u);
  EXPECT_EQ(c.branches, 2u);
  EXPECT_EQ(c.pairs[0].name, "m_c1e11");
  EXPECT_NEAR(c.pairs[0].relative_difference, 0.1, 1e-12);              // 0.44 against 0.40
  EXPECT_NEAR(c.pairs[1].relative_difference, 0.40 / 0.41 - 1, 1e-12);  // the branch is lower
  EXPECT_EQ(c.worst, "m_c1e11");
  EXPECT_NEAR(c.max_abs_relative, 0.1, 1e-12);
  EXPECT_NEAR(c.mean_abs_relative, (0.1 + (1 - 0.40 / 0.41)) / 2, 1e-12);
  EXPECT_NEAR(c.mean_relative, (0.1 + (0.40 / 0.41 - 1)) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(c.flops_full, 1.4e12);
  EXPECT_DOUBLE_EQ(c.flops_spent, 1.08e12);
  EXPECT_NEAR(c.saved_fraction(), 1 - 1.08 / 1.4, 1e-12);
  EXPECT_EQ(c.pairs[0].branch_schedule, "wsd");
  EXPECT_EQ(c.pairs[0].reference_schedule, "cosine");
}

TEST(AnalysisBranches, UnmatchedBranchesAreListedAndBadSweepsRefused) {
  const std::vector<runs::Run> full{run("a", 0.4, 1e11, 1e11)};
  const BranchComparison c = compare_branches({run("a", 0.4, 1e11, 1e10, 5), run("b", 0.4, 1e11, 1e10, 5)}, full);
  EXPECT_EQ(c.pairs.size(), 1u);
  EXPECT_EQ(c.unmatched, std::vector<std::string>{"b"});
  // No branch at all; no branch with a reference; an unfinished run.
  EXPECT_THROW(compare_branches({run("a", 0.4, 1e11, 1e11)}, full), UserError);
  EXPECT_THROW(compare_branches({run("b", 0.4, 1e11, 1e10, 5)}, full), UserError);
  runs::Run unfinished = run("a", 0.4, 1e11, 1e10, 5);
  unfinished.summary.reset();
  try {
    compare_branches({unfinished}, full);
    FAIL() << "an unfinished run was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("sweep/runs/a: not a finished run"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sst::analysis::runs
