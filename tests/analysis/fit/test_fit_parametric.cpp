// Approach 3 of `sst-analyze fit` (analysis/fit/fit_parametric.cpp), each step on its own: Chinchilla's form
// recovered from runs drawn from it, with bootstrap intervals and its allocation; a law that is not identified
// keeps its verdict and reasons and no number (nor an interval); Kaplan et al.'s form only when asked and with
// four points or more; the law with the other parameter count only when the CSV has that column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "analysis/fit/fit_steps.h"
#include "synthetic.h"
#include "test_support.h"

namespace fit = sst::analysis::fit;
using sst::test::TempDir;
using ::testing::HasSubstr;

namespace {

// The points as a CSV with both parameter counts (total = 1.5 x non-embedding).
std::string write_csv(const TempDir& dir, const fit::Data& d) {
  std::ostringstream csv;
  csv.precision(17);
  csv << "non_embedding_params,params,train_tokens,best_dev_loss\n";
  for (size_t i = 0; i < d.size(); ++i)
    csv << d.n[i] << "," << 1.5 * d.n[i] << "," << d.d[i] << "," << d.loss[i] << "\n";
  sst::test::write_text(dir / "runs.csv", csv.str());
  return dir / "runs.csv";
}

fit::FitCommandOptions options(const std::string& csv) {
  fit::FitCommandOptions o;
  o.input = csv;
  o.bootstrap.samples = 30;
  o.bootstrap.seed = 1;
  return o;
}

}  // namespace

TEST(AnalysisFitParametric, RunsDrawnFromALawGiveItBackWithIntervals) {
  TempDir dir("fit-param");
  const auto o = options(write_csv(dir, fit::testing::synthetic(fit::testing::true_law(), 5, 5, 0.003, 1)));
  const auto c = fit::read_context(o);
  const auto p = fit::fit_parametric(c);
  ASSERT_TRUE(p.identified()) << p.report.identifiability.line();
  EXPECT_NEAR(p.report.alpha, 0.34, 0.05);
  EXPECT_NEAR(p.report.beta, 0.28, 0.05);
  ASSERT_TRUE(p.report.intervals.alpha);
  EXPECT_LE(p.report.intervals.alpha->lo, p.report.alpha);
  EXPECT_GE(p.report.intervals.alpha->hi, p.report.alpha);
  EXPECT_EQ(p.report.bootstrap.samples, 30u);
  EXPECT_DOUBLE_EQ(p.report.allocation.n_exponent, p.report.beta / (p.report.alpha + p.report.beta));
  const auto row = fit::parametric_approach(c, p);
  EXPECT_DOUBLE_EQ(row.a, p.report.allocation.n_exponent);
  EXPECT_EQ(row.points, 25u);
  EXPECT_TRUE(row.identifiability.warnings.empty());  // the table carries the verdict and its reasons only
}

TEST(AnalysisFitParametric, ALawNotIdentifiedKeepsItsReasonsAndNoNumber) {
  TempDir dir("fit-param");
  const auto o = options(write_csv(dir, fit::testing::no_n_term_sweep()));
  const auto c = fit::read_context(o);
  const auto p = fit::fit_parametric(c);
  ASSERT_FALSE(p.identified());
  EXPECT_FALSE(p.report.identifiability.reasons.empty());
  EXPECT_TRUE(std::isnan(p.report.E) && std::isnan(p.report.alpha) && std::isnan(p.report.beta));
  EXPECT_TRUE(std::isnan(p.report.allocation.G));
  EXPECT_FALSE(p.report.intervals.alpha);
  EXPECT_TRUE(std::isfinite(p.report.objective));  // the fit is measured either way
  const auto row = fit::parametric_approach(c, p);
  EXPECT_TRUE(std::isnan(row.a) && std::isnan(row.a_interval.lo));
  EXPECT_EQ(row.identifiability.verdict, fit::Verdict::kNotIdentified);
}

TEST(AnalysisFitParametric, KaplansFormOnlyWhenAskedAndWithFourPoints) {
  TempDir dir("fit-param");
  auto o = options(write_csv(dir, fit::testing::synthetic(fit::testing::true_law(), 3, 3, 0.003, 2)));
  const fit::LawChecks checks;
  const auto k = fit::fit_kaplan_form(fit::read_context(o), checks);
  ASSERT_TRUE(k);
  ASSERT_TRUE(k->report.identifiability);
  EXPECT_EQ(k->boot.size(), 30u);
  o.kaplan = false;
  EXPECT_FALSE(fit::fit_kaplan_form(fit::read_context(o), checks));
  fit::Data three;
  for (double n : {1e6, 1e7, 1e8}) {
    three.n.push_back(n), three.d.push_back(1e9), three.loss.push_back(fit::testing::true_law().loss(n, 1e9));
  }
  TempDir few("fit-param");
  EXPECT_FALSE(fit::fit_kaplan_form(fit::read_context(options(write_csv(few, three))), checks));
}

TEST(AnalysisFitParametric, TheOtherParameterCountIsFittedWhenTheCsvHasIt) {
  TempDir dir("fit-param");
  auto o = options(write_csv(dir, fit::testing::synthetic(fit::testing::true_law(), 4, 4, 0.003, 4)));
  const auto c = fit::read_context(o);
  const auto p = fit::fit_parametric(c);
  const auto w = fit::compare_parameter_counts(c, p);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->fits.size(), 2u);
  EXPECT_EQ(w->fits[0].column, "non_embedding_params");
  EXPECT_EQ(w->fits[1].column, "params");
  EXPECT_TRUE(w->better == "non_embedding_params" || w->better == "params") << w->better;
  EXPECT_EQ(w->by, "in-sample objective (give --holdout to compare predictions)");
  o.compare_params = "none";
  EXPECT_FALSE(fit::compare_parameter_counts(fit::read_context(o), p));
  o.compare_params = "missing_column";
  EXPECT_FALSE(fit::compare_parameter_counts(fit::read_context(o), p));
}
