// The runs `sst-analyze fit` reads (analysis/fit/fit_input.h): from sweep.csv the finished runs only (the
// others counted by status), N, D and L chosen by what the CSV has (a budget sweep's D is the tokens up to the
// best dev loss), --holdout rows set aside, FLOP budgets told from token budgets; every bad value named with
// its file, line and column; approach 1's curves from the runs' metrics.jsonl, a branch's prefixed by its
// parent's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "analysis/fit/fit_input.h"
#include "common/error.h"
#include "tests/analysis/fixtures.h"

namespace fit = sst::analysis::fit;
namespace fixtures = sst::analysis::fixtures;
using sst::test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::string input_error(const std::string& csv, const std::string& holdout = "", const fit::InputColumns& c = {}) {
  try {
    fit::read_fit_input(csv, c, holdout);
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

// A CSV with header `header` and rows `rows` (one string each) in dir/name.
std::string csv(const TempDir& dir, const std::string& header, const std::vector<std::string>& rows,
                const std::string& name = "runs.csv") {
  std::string text = header + "\n";
  for (const auto& r : rows) text += r + "\n";
  sst::test::write_text(dir / name, text);
  return dir / name;
}

}  // namespace

// fixtures::write_sweep: 9 runs over N {1e5, 3e5, 1e6} x D {1e6, 3e6, 1e7}, the last one failed.
TEST(AnalysisFitInput, ASweepCsvGivesItsFinishedRunsAndSaysWhichWereLeftOut) {
  TempDir dir("fit-input");
  const auto sweep = fixtures::write_sweep(dir / "sweep");
  const auto in = fit::read_fit_input((sweep / "sweep.csv").string(), {}, "");
  EXPECT_EQ(in.n_column, "non_embedding_params");
  EXPECT_EQ(in.d_column, "train_tokens");
  EXPECT_EQ(in.loss_column, "best_dev_loss");
  EXPECT_EQ(in.d_meaning, "unique train tokens of the run's data subset");
  EXPECT_EQ(in.rows.size(), 8u);
  ASSERT_EQ(in.left_out.size(), 1u);
  EXPECT_EQ(in.left_out.at("failed"), 1u);
  ASSERT_EQ(in.data.n.size(), 8u);
  EXPECT_EQ(in.data.n[0], 1e5);
  EXPECT_EQ(in.data.d[1], 3e6);
  EXPECT_NEAR(in.data.loss[0], 0.3 + 40 / std::pow(1e5, 0.4) + 300 / std::pow(1e6, 0.35), 1e-9);
  EXPECT_TRUE(in.flops_budget.empty());
  EXPECT_THAT(in.budget_note, HasSubstr("not a budget sweep"));
}

TEST(AnalysisFitInput, HoldoutRowsAreSetAsideAndMustLeaveSomeToFit) {
  TempDir dir("fit-input");
  const std::string file = (fixtures::write_sweep(dir / "sweep") / "sweep.csv").string();
  const auto in = fit::read_fit_input(file, {}, "non_embedding_params>=1e6");
  EXPECT_EQ(in.held_out.size(), 2u);  // r6 and r7: r8 failed
  EXPECT_EQ(in.rows.size(), 6u);
  EXPECT_THAT(in.held.n, ElementsAre(1e6, 1e6));
  EXPECT_EQ(input_error(file, "non_embedding_params>=1e9"),
            "--holdout 'non_embedding_params>=1e9' matches no finished run");
  EXPECT_EQ(input_error(file, "non_embedding_params>=1"),
            "--holdout 'non_embedding_params>=1' matches every finished run (8): none is left to fit");
}

TEST(AnalysisFitInput, ColumnsGivenWinAndSayWhatDIs) {
  TempDir dir("fit-input");
  const std::string file = (fixtures::write_sweep(dir / "sweep") / "sweep.csv").string();
  const auto in = fit::read_fit_input(file, {"params", "tokens_processed", "best_dev_loss"}, "");
  EXPECT_EQ(in.n_column, "params");
  EXPECT_EQ(in.d_meaning, "tokens trained (all epochs)");
  // A plain CSV: no status column (every row fitted), params and tokens and loss.
  const auto plain = fit::read_fit_input(csv(dir, "params,tokens,loss", {"1e5,1e6,2.5", "2e5,1e6,2.4"}), {}, "");
  EXPECT_EQ(plain.rows.size(), 2u);
  EXPECT_EQ(plain.d_column, "tokens");
  EXPECT_EQ(plain.d_meaning, "as given");
  EXPECT_TRUE(plain.left_out.empty());
}

// Budget sweeps: D is tokens_at_best; a FLOP grid (budget == budget_flops) gives approach 2 its budgets.
TEST(AnalysisFitInput, FlopBudgetsAreToldFromTokenBudgets) {
  TempDir dir("fit-input");
  const std::string head =
      "run,non_embedding_params,tokens_at_best,train_tokens,best_dev_loss,status,budget,budget_flops";
  const auto flops = fit::read_fit_input(
      csv(dir, head, {"a,1e5,1e6,5e6,2.5,completed,1e12,1e12", "b,2e5,1e6,5e6,2.4,completed,3e12,3e12"}), {}, "");
  EXPECT_EQ(flops.d_column, "tokens_at_best");
  EXPECT_EQ(flops.d_meaning, "tokens trained up to the best dev loss (a budget sweep)");
  EXPECT_THAT(flops.flops_budget, ElementsAre(1e12, 3e12));
  const auto tokens = fit::read_fit_input(
      csv(dir, head, {"a,1e5,1e6,5e6,2.5,completed,1e6,6e11", "b,2e5,1e6,5e6,2.4,completed,3e6,1.2e12"}), {}, "");
  EXPECT_TRUE(tokens.flops_budget.empty());
  EXPECT_EQ(tokens.budget_note, "a token budget grid: IsoFLOP profiles need [budget] flops");
  const auto unknown = fit::read_fit_input(
      csv(dir, "non_embedding_params,tokens_at_best,best_dev_loss,budget", {"1e5,1e6,2.5,1e12"}), {}, "");
  EXPECT_THAT(unknown.budget_note, HasSubstr("no budget_flops column"));
}

TEST(AnalysisFitInput, ABadValueIsNamedWithFileLineAndColumn) {
  TempDir dir("fit-input");
  const std::string head = "params,tokens,loss,status";
  const std::string path = dir / "runs.csv";
  EXPECT_EQ(input_error(csv(dir, head, {"1e5,1e6,2.5,completed", "1e5,1e6,-1,completed"})),
            path + ":3: column 'loss' value '-1' is not finite and positive");
  EXPECT_EQ(input_error(csv(dir, head, {"1e5,x,2.5,completed"})),
            path + ":2: column 'tokens' value 'x' is not a number");
  EXPECT_EQ(input_error(csv(dir, head, {"1e31,1e6,2.5,completed"})),
            path + ":2: column 'params' value '1e31' is too large (at most 1e30)");
  // A row that did not finish is not read, however bad its values.
  EXPECT_EQ(input_error(csv(dir, head, {"1e5,1e6,2.5,completed", "x,y,z,failed"})), "");
  EXPECT_EQ(input_error(csv(dir, head, {"1e5,1e6,2.5,running"})),
            path + ": no finished runs (status completed or early_stopped)");
  EXPECT_EQ(input_error(csv(dir, head, {})), path + ": no data rows");
  EXPECT_EQ(input_error(csv(dir, "params,tokens,status", {"1e5,1e6,completed"})),
            path + ": no column 'loss' (available columns: params, tokens, status)");
}

TEST(AnalysisFitInput, ColumnValuesAreNaNWhereAFieldIsEmpty) {
  TempDir dir("fit-input");
  const auto in = fit::read_fit_input(csv(dir, "params,tokens,loss,lr", {"1e5,1e6,2.5,", "2e5,1e6,2.4,3e-4"}), {}, "");
  const auto lr = fit::column_values(in, in.rows, "lr");
  ASSERT_EQ(lr.size(), 2u);
  EXPECT_TRUE(std::isnan(lr[0]));
  EXPECT_EQ(lr[1], 3e-4);
}

// Approach 1's curves: C = 6 N tokens at each evaluation of metrics.jsonl (fixtures::write_run: steps 20, 40).
TEST(AnalysisFitInput, CurvesComeFromEachRunsMetricsAndABranchStartsWithItsParent) {
  TempDir dir("fit-input");
  const auto sweep = fixtures::write_sweep(dir / "sweep");
  const auto in = fit::read_fit_input((sweep / "sweep.csv").string(), {}, "");
  std::string note;
  const auto curves = fit::read_curves(in, sweep.string(), note);
  ASSERT_EQ(curves.size(), 8u) << note;
  EXPECT_EQ(curves[1].n, 1e5);
  EXPECT_THAT(curves[1].flops, ElementsAre(6 * 1e5 * 1.5e6, 6 * 1e5 * 3e6));  // r1: D = 3e6
  EXPECT_NEAR(curves[1].loss[1], in.data.loss[1], 1e-9);
  EXPECT_TRUE(fit::read_curves(in, (dir / "elsewhere"), note).empty());
  EXPECT_EQ(note, "no metrics.jsonl for run 'r0' under " + dir / "elsewhere" + "/runs");

  fixtures::write_run(dir / "b/runs/parent", {});
  fixtures::FakeRun branch;
  branch.loss = 0.3;
  fixtures::write_run(dir / "b/runs/branch", branch);
  const auto b = fit::read_fit_input(csv(dir, "run,params,tokens,loss,parent,branch_step",
                                         {"parent,1e5,2000,0.45,,", "branch,1e5,2000,0.3,parent,20"}),
                                     {}, "");
  const auto with_parent = fit::read_curves(b, dir / "b", note);
  ASSERT_EQ(with_parent.size(), 2u) << note;
  EXPECT_EQ(with_parent[0].loss.size(), 2u);
  EXPECT_THAT(with_parent[1].loss, ElementsAre(0.55, 0.4, 0.3));  // the parent's step 20, then its own

  const auto no_run = fit::read_fit_input(csv(dir, "params,tokens,loss", {"1e5,1e6,2.5"}), {}, "");
  EXPECT_TRUE(fit::read_curves(no_run, dir / "b", note).empty());
  EXPECT_EQ(note, "no `run` column to find the training curves by");
}
