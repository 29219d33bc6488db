// Kaplan et al.'s L(N, D) (analysis/fit/kaplan.cpp): the law's closed forms, the objective's analytic
// gradient, recovery of published parameters, the same answer on any thread count, the bootstrap's reduced
// starts, and the errors.
#include "analysis/fit/kaplan.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "tests/analysis/fit/synthetic.h"

namespace sst::analysis::fit {
namespace {

using testing::Noise;

// Kaplan et al.'s published L(N, D): N_c = 8.8e13, D_c = 5.4e13, alpha_N = 0.076, alpha_D = 0.095.
const KaplanLaw kTruth{8.8e13, 5.4e13, 0.076, 0.095};

// 12 x 12 runs, N in [1e6, 1e9], D in [1e8, 1e11], the law's loss times multiplicative noise.
Data kaplan_data(double sigma, uint64_t seed) {
  Data data;
  Noise noise(sigma, seed);
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 12; ++j) {
      const double n = std::pow(10.0, 6 + 3.0 * i / 11), d = std::pow(10.0, 8 + 3.0 * j / 11);
      data.n.push_back(n), data.d.push_back(d), data.loss.push_back(kTruth.loss(n, d) * noise());
    }
  return data;
}

TEST(AnalysisKaplan, LawMatchesItsDefinition) {
  for (double n : {1e6, 3e8, 1e11})
    for (double d : {1e7, 2e9, 5e12}) {
      const double direct =
          std::pow(std::pow(kTruth.Nc / n, kTruth.alpha_N / kTruth.alpha_D) + kTruth.Dc / d, kTruth.alpha_D);
      EXPECT_NEAR(kTruth.loss(n, d), direct, 1e-12 * direct) << n << " " << d;
      EXPECT_NEAR(kTruth.log_loss(n, d), std::log(direct), 1e-12) << n << " " << d;
    }
  EXPECT_NEAR(kTruth.n_exponent(), 0.095 / (0.076 + 0.095), 1e-15);
  EXPECT_NEAR(kTruth.n_exponent() + kTruth.d_exponent(), 1.0, 1e-15);
  EXPECT_TRUE(std::isnan(KaplanLaw{1, 1, -0.1, 0.1}.n_exponent()));
  EXPECT_TRUE(std::isnan(KaplanLaw{1, 1, 0.1, 0.0}.d_exponent()));
}

TEST(AnalysisKaplan, ObjectiveGradientMatchesFiniteDifferences) {
  const Data data = kaplan_data(0.005, 11);
  for (double delta : {1.0, 1e-3}) {
    const KaplanTheta at{30.0, 28.0, 0.1, 0.12};
    KaplanTheta g;
    kaplan_objective(data, at, delta, &g);
    for (size_t k = 0; k < 4; ++k) {
      KaplanTheta hi = at, lo = at;
      hi[k] += 1e-6, lo[k] -= 1e-6;
      const double fd = (kaplan_objective(data, hi, delta) - kaplan_objective(data, lo, delta)) / 2e-6;
      EXPECT_NEAR(g[k], fd, 1e-5 * std::max(1.0, std::abs(fd))) << "delta " << delta << " k " << k;
    }
  }
  // The truth fits noiseless data exactly; alpha_D = 0 is outside the form (it divides by alpha_D).
  const Data exact = kaplan_data(0.0, 1);
  EXPECT_NEAR(kaplan_objective(exact, {std::log(kTruth.Nc), std::log(kTruth.Dc), 0.076, 0.095}, 1e-3), 0.0, 1e-20);
  EXPECT_TRUE(std::isnan(kaplan_objective(exact, {30, 30, 0.1, 0.0}, 1e-3)));
}

TEST(AnalysisKaplan, RecoversKnownParameters) {
  const Data data = kaplan_data(0.005, 11);
  SolverOptions so;
  const KaplanFit f = fit_kaplan(data, 1e-3, so);
  EXPECT_NEAR(f.law.alpha_N, kTruth.alpha_N, 0.01);
  EXPECT_NEAR(f.law.alpha_D, kTruth.alpha_D, 0.01);
  EXPECT_NEAR(f.law.n_exponent(), kTruth.n_exponent(), 0.05);
  EXPECT_LE(f.objective, kaplan_objective(data, {std::log(kTruth.Nc), std::log(kTruth.Dc), 0.076, 0.095}, 1e-3));
  EXPECT_EQ(f.starts.size(), kaplan_starts().size());
  EXPECT_EQ(f.finals.size(), f.starts.size());
  EXPECT_EQ(f.objectives.size(), f.starts.size());
  EXPECT_EQ(f.n_points, data.size());
  // The reported objective is the best start's, at the reported parameters.
  for (double o : f.objectives) EXPECT_GE(o, f.objective);
  EXPECT_EQ(f.objective, kaplan_objective(data, f.theta, 1e-3));
}

TEST(AnalysisKaplan, SameFitOnOneAndTwoThreads) {
  const Data data = kaplan_data(0.01, 5);
  const std::vector<KaplanTheta> all = kaplan_starts();
  const std::vector<KaplanTheta> starts(all.begin(), all.begin() + 60);
  SolverOptions one, two;
  one.threads = 1, two.threads = 2;
  const KaplanFit a = fit_kaplan(data, 1e-3, one, starts), b = fit_kaplan(data, 1e-3, two, starts);
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.objectives, b.objectives);
}

TEST(AnalysisKaplan, ReducedStartsBeginAtTheOptimumAndAreDistinct) {
  const Data data = kaplan_data(0.01, 5);
  const KaplanFit f = fit_kaplan(data, 1e-3, SolverOptions{});
  const auto starts = kaplan_reduced_starts(f, 4);
  ASSERT_GE(starts.size(), 1u);
  EXPECT_LE(starts.size(), 5u);  // the optimum and at most `count` more
  EXPECT_EQ(starts[0], f.theta);
  for (size_t i = 1; i < starts.size(); ++i) {
    bool found = false;
    for (const auto& s : f.starts) found = found || s == starts[i];
    EXPECT_TRUE(found) << "reduced start " << i << " is one of the full fit's starts";
  }
  // Refitting from them finds the full fit's optimum again.
  const KaplanFit again = fit_kaplan(data, 1e-3, SolverOptions{}, starts);
  EXPECT_LE(again.objective, f.objective * (1 + 1e-9));
}

TEST(AnalysisKaplan, RejectsTooFewPointsAndBadData) {
  Data data = kaplan_data(0.005, 11);
  Data few = data;
  few.n.resize(3), few.d.resize(3), few.loss.resize(3);
  EXPECT_THROW(fit_kaplan(few, 1e-3, SolverOptions{}), UserError);
  EXPECT_THROW(fit_kaplan(data, 1e-3, SolverOptions{}, {}), UserError);
  data.loss[7] = -1;
  EXPECT_THROW(fit_kaplan(data, 1e-3, SolverOptions{}), UserError);
}

}  // namespace
}  // namespace sst::analysis::fit
