// Approaches 1 and 2 of `sst-analyze fit` and what the parametric law implies (analysis/fit/fit_allocation.cpp,
// the steps of fit_steps.h), each step on its own: IsoFLOP profiles from a FLOP budget grid recover the law's
// allocation exponent and give no vertex for a budget whose sizes do not bracket it; a step that cannot run
// says why; a law that is not identified predicts no budget, draws no profile and predicts no held-out run;
// residuals are summarized by their median and largest size.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/fit/fit_steps.h"
#include "synthetic.h"
#include "tests/analysis/fixtures.h"

namespace fit = sst::analysis::fit;
namespace fixtures = sst::analysis::fixtures;
using sst::test::TempDir;
using ::testing::HasSubstr;

namespace {

// A FLOP budget grid from the tests' law (true_law: a = 0.28 / 0.62): at each budget the sizes 1e7..1e10
// (a factor of sqrt(10) apart), D = C / 6N. The minima of 1e18..1e20 lie inside the sizes; 1e23's above them.
std::string isoflop_csv(const TempDir& dir) {
  const fit::ScalingLaw law = fit::testing::true_law();
  std::ostringstream csv;
  csv.precision(17);
  csv << "run,non_embedding_params,tokens_at_best,best_dev_loss,status,budget,budget_flops\n";
  int i = 0;
  for (double c : {1e18, 1e19, 1e20, 1e23})
    for (int k = 0; k <= 6; ++k) {
      const double n = std::pow(10.0, 7 + k / 2.0), d = c / (6 * n);
      csv << "r" << i++ << "," << n << "," << d << "," << law.loss(n, d) << ",completed," << c << "," << c << "\n";
    }
  sst::test::write_text(dir / "iso.csv", csv.str());
  return dir / "iso.csv";
}

fit::ParametricPart part(bool identified) {
  fit::ParametricPart p;
  p.fit.law = fit::testing::true_law();
  if (!identified) p.report.identifiability.fail("alpha's interval spans a factor of 40");
  return p;
}

}  // namespace

TEST(AnalysisFitAllocation, IsoflopProfilesRecoverTheAllocationExponent) {
  TempDir dir("fit-alloc");
  fit::FitCommandOptions o;
  o.input = isoflop_csv(dir);
  o.bootstrap.samples = 40;
  const auto c = fit::read_context(o);
  const auto p = fit::isoflop_approach(c);
  ASSERT_FALSE(p.report.skipped) << *p.report.skipped;
  EXPECT_NE(p.report.identifiability.verdict, fit::Verdict::kNotIdentified) << p.report.identifiability.line();
  EXPECT_EQ(p.report.points, 3u);             // the bracketed budgets
  EXPECT_NEAR(p.report.a, 0.28 / 0.62, 0.1);  // a parabola in log N is a local model: its vertex is biased
  EXPECT_DOUBLE_EQ(p.report.b, 1 - p.report.a);
  EXPECT_LE(p.report.a_interval.lo, p.report.a_interval.hi);
  ASSERT_TRUE(p.report.profiles);
  ASSERT_EQ(p.report.profiles->size(), 4u);
  const fit::Allocation law = fit::allocation(fit::testing::true_law());
  for (const auto& profile : *p.report.profiles) {
    EXPECT_EQ(profile.sizes, 7u);
    if (profile.flops < 1e21) {
      EXPECT_TRUE(profile.bracketed) << profile.flops;
      EXPECT_NEAR(std::log10(profile.n_opt), std::log10(law.n_opt(profile.flops)), 0.3) << profile.flops;
    } else {  // an extrapolated vertex is not a result
      EXPECT_FALSE(profile.bracketed);
      EXPECT_TRUE(std::isnan(profile.n_opt));
      EXPECT_TRUE(std::isnan(profile.loss_opt));
    }
  }
}

TEST(AnalysisFitAllocation, AnApproachThatCannotRunSaysWhy) {
  TempDir dir("fit-alloc");
  fit::FitCommandOptions o;
  o.input = (fixtures::write_sweep(dir / "sweep") / "sweep.csv").string();
  const auto c = fit::read_context(o);
  const auto iso = fit::isoflop_approach(c);
  ASSERT_TRUE(iso.report.skipped);
  EXPECT_THAT(*iso.report.skipped, HasSubstr("not a budget sweep"));
  EXPECT_TRUE(iso.iso.budgets.empty());
  // Approach 1 reads the curves beside the CSV (they are there), or from --curves.
  EXPECT_FALSE(fit::envelope_approach(c).report.skipped);
  o.curves_dir = dir / "nowhere";
  const auto env = fit::envelope_approach(fit::read_context(o));
  ASSERT_TRUE(env.report.skipped);
  EXPECT_THAT(*env.report.skipped, HasSubstr("no metrics.jsonl for run 'r0'"));
  EXPECT_TRUE(env.curves.empty());
  // fixtures::write_sweep's last run failed: two points at the largest D and at the largest N.
  const auto single = fit::single_variable_fits(c);
  EXPECT_EQ(single.loss_vs_params.skipped.value_or(""), "only 2 point(s) at the largest tokens (need 3)");
  EXPECT_EQ(single.loss_vs_tokens.skipped.value_or(""), "only 2 point(s) at the largest params (need 3)");
}

TEST(AnalysisFitAllocation, ALawNotIdentifiedPredictsNothing) {
  TempDir dir("fit-alloc");
  fit::FitCommandOptions o;
  o.input = (fixtures::write_sweep(dir / "sweep") / "sweep.csv").string();
  o.budgets = {1e20};
  o.holdout = "non_embedding_params>=1e6";
  const auto c = fit::read_context(o);
  std::vector<fit::BudgetPrediction> predictions;
  const auto rows = fit::predict_budgets(c, part(false), predictions);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].flops, 1e20);
  EXPECT_TRUE(std::isnan(rows[0].N_opt) && std::isnan(rows[0].D_opt) && std::isnan(rows[0].loss));
  EXPECT_FALSE(rows[0].intervals);
  std::vector<fit::IsoflopProfile> profiles;
  EXPECT_TRUE(fit::law_isoflops(c, part(false), profiles).empty());
  EXPECT_TRUE(profiles.empty());
  const auto h = fit::predict_held_out(c, part(false), {0.01}, nullptr);
  ASSERT_EQ(h.runs.size(), 2u);
  EXPECT_THAT(h.not_predicted.value_or(""), HasSubstr("not identified: alpha's interval spans a factor of 40"));
  for (const auto& r : h.runs) {
    EXPECT_TRUE(std::isnan(r.predicted));
    EXPECT_GT(r.observed, 0);
  }
  EXPECT_TRUE(std::isnan(h.mean_abs_relative_error));
  EXPECT_FALSE(h.coverage);
}

TEST(AnalysisFitAllocation, AnIdentifiedLawPredictsBudgetsProfilesAndHeldOutRuns) {
  TempDir dir("fit-alloc");
  fit::FitCommandOptions o;
  o.input = (fixtures::write_sweep(dir / "sweep") / "sweep.csv").string();
  o.budgets = {1e20};
  o.isoflop_count = 3;
  o.holdout = "non_embedding_params>=1e6";
  const auto c = fit::read_context(o);
  std::vector<fit::BudgetPrediction> predictions;
  const auto rows = fit::predict_budgets(c, part(true), predictions);
  const auto want = fit::predict_budget(fit::testing::true_law(), 1e20);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].N_opt, want.n_opt);
  EXPECT_DOUBLE_EQ(rows[0].loss, want.loss);
  EXPECT_FALSE(rows[0].intervals);  // no bootstrap laws
  std::vector<fit::IsoflopProfile> profiles;
  const auto iso = fit::law_isoflops(c, part(true), profiles);
  EXPECT_EQ(iso.size(), 3u);
  EXPECT_EQ(profiles.size(), 3u);
  const auto h = fit::predict_held_out(c, part(true), {}, nullptr);
  ASSERT_EQ(h.runs.size(), 2u);
  EXPECT_FALSE(h.not_predicted);
  for (const auto& r : h.runs) EXPECT_DOUBLE_EQ(r.predicted, fit::testing::true_law().loss(r.params, r.tokens));
}

TEST(AnalysisFitAllocation, ResidualsAreLogRatiosSummarizedByMedianAndMax) {
  const fit::ScalingLaw law = fit::testing::true_law();
  fit::Data d;
  for (double f : {1.0, std::exp(0.1), std::exp(-0.3)}) {
    d.n.push_back(1e8), d.d.push_back(1e10), d.loss.push_back(law.loss(1e8, 1e10) * f);
  }
  const auto r = fit::log_residuals(d, law);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_NEAR(r[0], 0, 1e-12);
  EXPECT_NEAR(r[1], 0.1, 1e-12);
  EXPECT_NEAR(r[2], -0.3, 1e-12);
  const auto s = fit::summarize_residuals(r);
  EXPECT_NEAR(s.median_abs, 0.1, 1e-12);
  EXPECT_NEAR(s.max_abs, 0.3, 1e-12);
  EXPECT_TRUE(std::isnan(fit::summarize_residuals({}).median_abs));
}

TEST(AnalysisFitAllocation, ARejectedRowKeepsItsVerdictAndNoNumber) {
  fit::ApproachReport row;
  row.a = 0.4, row.b = 0.6, row.a_interval = {0.1, 0.9};
  fit::withhold_if_rejected(row);
  EXPECT_DOUBLE_EQ(row.a, 0.4);  // identified: kept
  row.identifiability.fail("1 budget(s) whose sizes bracket the minimum (a slope needs at least 2)");
  fit::withhold_if_rejected(row);
  EXPECT_TRUE(std::isnan(row.a) && std::isnan(row.b) && std::isnan(row.a_interval.lo) && std::isnan(row.b_interval.hi));
  EXPECT_EQ(row.identifiability.reasons.size(), 1u);
}
