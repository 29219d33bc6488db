// The printed summary of `sst-analyze fit` (analysis/fit/fit_summary.cpp), from a FitReport built here: 3-4
// significant digits and "n/a" for what is not determined (never "nan"); a law, an approach or a held-out
// prediction that is not identified shows its verdict and reasons in place of numbers; a skipped approach
// says why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "analysis/fit/fit_command.h"

namespace fit = sst::analysis::fit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Chinchilla's published law, fitted to 12 runs of runs.csv, approach 1 skipped, approach 2 identified,
// approach 3's Kaplan form not identified, one --budget.
fit::FitReport report() {
  fit::FitReport r;
  r.input = "runs.csv";
  r.n_points = 12;
  r.columns = {"non_embedding_params", "train_tokens", "best_dev_loss"};
  r.tokens_meaning = "unique train tokens of the run's data subset";
  r.runs.left_out_unfinished = {{"failed", 1}};
  auto& p = r.parametric;
  p.method.name = "varpro";
  p.method.seconds = 0.0123;
  p.E = 1.69, p.A = 406.4, p.B = 410.7, p.alpha = 0.3392, p.beta = 0.2849, p.objective = 0.00123;
  p.allocation = {1.2, 0.4565, 0.5435};
  p.bootstrap.samples = 100;
  p.intervals.E = fit::Interval{1.6, 1.8};
  p.intervals.alpha = fit::Interval{0.3, 0.4};
  fit::ApproachReport skipped;
  skipped.approach = "1: lower envelope of the training curves";
  skipped.skipped = "no `run` column to find the training curves by";
  fit::ApproachReport iso;
  iso.approach = "2: IsoFLOP profiles";
  iso.a = 0.48, iso.b = 0.52, iso.a_interval = {0.41, 0.55}, iso.b_interval = {0.45, 0.59};
  r.approaches = {skipped, iso};
  r.kaplan.emplace();
  r.kaplan->identifiability.emplace();
  r.kaplan->identifiability->fail("alpha_D is not determined by the data");
  r.predictions = {{1e21, 3.1e10, 5.4e9, 2.01, std::nullopt}};
  return r;
}

std::string summary(const fit::FitReport& r) {
  std::ostringstream out;
  fit::print_fit_summary(r, out);
  return out.str();
}

}  // namespace

TEST(AnalysisFitSummary, NumbersAtThreeOrFourDigitsAndNaNAsNotAvailable) {
  EXPECT_EQ(fit::format_value(1.234567), "1.235");
  EXPECT_EQ(fit::format_value(4.56e7), "4.56e+07");
  EXPECT_EQ(fit::format_value(0.123456, 3), "0.123");
  EXPECT_EQ(fit::format_value(kNaN), "n/a");
  EXPECT_EQ(fit::format_value(std::numeric_limits<double>::infinity()), "n/a");
  EXPECT_EQ(fit::format_interval({0.1, 0.25}), "[0.1, 0.25]");
  EXPECT_EQ(fit::format_interval({kNaN, 1}), "n/a");
}

TEST(AnalysisFitSummary, AnIdentifiedLawIsPrintedWithItsAllocationAndPredictions) {
  const std::string s = summary(report());
  EXPECT_THAT(s, HasSubstr("fit: 12 runs from runs.csv (1 failed left out)\n"));
  EXPECT_THAT(s, HasSubstr("N = non_embedding_params, D = train_tokens (unique train tokens of the run's data "
                           "subset), L = best_dev_loss\n"));
  EXPECT_THAT(s, HasSubstr("L(N, D) = 1.69 + 406.4 / N^0.3392 + 410.7 / D^0.2849   (objective 0.00123)"));
  EXPECT_THAT(s, HasSubstr("90% bootstrap intervals (100 resamples): E [1.6, 1.8] A n/a B n/a alpha [0.3, 0.4]"));
  EXPECT_THAT(s, HasSubstr("identifiability: IDENTIFIED\n"));
  EXPECT_THAT(s, HasSubstr("N_opt = 1.2 (C/6)^0.4565, D_opt = (C/6)^0.5435 / 1.2"));
  EXPECT_THAT(s, HasSubstr("skipped: no `run` column to find the training curves by"));
  EXPECT_THAT(s, HasSubstr("a 0.48 [0.41, 0.55]"));
  EXPECT_THAT(s, HasSubstr("Kaplan et al.'s form: not identified: alpha_D is not determined by the data\n"));
  EXPECT_THAT(s, HasSubstr("C = 1e+21 FLOPs: N_opt = 3.1e+10, D_opt = 5.4e+09, loss = 2.01\n"));
  EXPECT_THAT(s, Not(HasSubstr("nan")));
}

// A rejected law: its verdict and reasons, no coefficient, no allocation, no prediction; a rejected approach
// likewise; held-out runs show what was observed only.
TEST(AnalysisFitSummary, WhatTheFitRejectedShowsNoNumber) {
  fit::FitReport r = report();
  r.parametric.identifiability.fail("alpha's interval [0.02, 2.1] spans a factor of 105");
  r.parametric.intervals = {};  // as fit_parametric leaves a rejected law
  r.approaches[1].identifiability.fail("1 budget(s) whose sizes bracket the minimum (a slope needs at least 2)");
  r.holdout.emplace();
  r.holdout->expression = "params>=1e6";
  r.holdout->not_predicted = r.parametric.identifiability.line();
  fit::HeldOutRun run;
  run.run = "r7";
  run.observed = 0.512;
  r.holdout->runs = {run};
  const std::string s = summary(r);
  EXPECT_THAT(s, HasSubstr("L(N, D) = E + A / N^alpha + B / D^beta: not identified, so no values are given\n"));
  EXPECT_THAT(s, HasSubstr("identifiability: NOT IDENTIFIED: alpha's interval [0.02, 2.1] spans a factor of 105\n"));
  EXPECT_THAT(s, HasSubstr("compute-optimal (approach 3): not given (the law is not identified)\n"));
  EXPECT_THAT(s, HasSubstr("2: IsoFLOP profiles"));
  EXPECT_THAT(s, HasSubstr("not identified: 1 budget(s) whose sizes bracket the minimum"));
  EXPECT_THAT(s, Not(HasSubstr("a 0.48")));
  EXPECT_THAT(s, HasSubstr("held out (params>=1e6): 1 run(s), none predicted: the law is not identified: alpha's"));
  EXPECT_THAT(s, HasSubstr("observed 0.512\n"));
  EXPECT_THAT(s, Not(HasSubstr("predicted 0")));
  EXPECT_THAT(s, HasSubstr("C = 1e+21 FLOPs: no prediction (the law is not identified)\n"));
  EXPECT_THAT(s, Not(HasSubstr("N_opt =")));
  EXPECT_THAT(s, Not(HasSubstr("1.69")));
  EXPECT_THAT(s, Not(HasSubstr("nan")));
}
