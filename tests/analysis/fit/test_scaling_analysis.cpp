// What is derived from a fitted law (analysis/fit/scaling_analysis.cpp): compute-optimal allocation against a
// hand computation, IsoFLOP minima against the closed form, level grouping, percentiles and the bootstrap.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/fit/scaling_fit.h"
#include "common/error.h"
#include "tests/analysis/fit/synthetic.h"

namespace sst::analysis::fit {
namespace {

using testing::synthetic;
using testing::true_law;

// Hoffmann et al.'s approach-3 estimates: E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28.
// By hand (Python, double precision):
//   G = (0.34 * 406.4 / (0.28 * 410.7)) ** (1 / 0.62)      = 1.34471064277253
//   N_opt(5.76e23) = G * (5.76e23 / 6) ** (0.28 / 0.62)      = 3.2189859151e10
//   D_opt(5.76e23) = (5.76e23 / 6) ** (0.34 / 0.62) / G      = 2.9823056867e12
//   L(N_opt, D_opt)                                          = 1.930748101731648
TEST(AnalysisScalingAnalysis, AllocationMatchesHandComputation) {
  const ScalingLaw law{1.69, 406.4, 410.7, 0.34, 0.28};
  const Allocation a = allocation(law);
  EXPECT_NEAR(a.G, 1.34471064277253, 1e-12);
  EXPECT_NEAR(a.n_exponent, 0.28 / 0.62, 1e-15);
  EXPECT_NEAR(a.d_exponent, 0.34 / 0.62, 1e-15);
  const BudgetPrediction p = predict_budget(law, 5.76e23);
  EXPECT_NEAR(p.n_opt / 3.2189859151368168e10, 1, 1e-10);
  EXPECT_NEAR(p.d_opt / 2.982305686662796e12, 1, 1e-10);
  EXPECT_NEAR(p.loss, 1.930748101731648, 1e-10);
  EXPECT_NEAR(6 * p.n_opt * p.d_opt / 5.76e23, 1, 1e-12);  // the budget is spent exactly

  const ScalingLaw flat{1.0, 10.0, 10.0, 0.0, 0.3};  // no N dependence: no interior optimum
  EXPECT_TRUE(std::isnan(allocation(flat).G));
}

TEST(AnalysisScalingAnalysis, IsoflopMinimumIsTheClosedFormOptimum) {
  const ScalingLaw law = true_law();
  const Allocation a = allocation(law);
  for (double c : {1e15, 1e18, 1e21}) {
    const double n_opt = a.n_opt(c);
    const IsoflopProfile p = isoflop_profile(law, c, n_opt / 100, n_opt * 100, 50);
    EXPECT_NEAR(std::log(p.n_min), std::log(n_opt), 1e-5) << "C=" << c;
    EXPECT_NEAR(p.d_min * p.n_min * 6 / c, 1, 1e-12);
    EXPECT_NEAR(p.loss_min, law.loss(n_opt, a.d_opt(c)), 1e-12);
    ASSERT_EQ(p.n.size(), 50u);
    for (size_t i = 0; i < p.n.size(); ++i) EXPECT_GE(p.loss[i], p.loss_min - 1e-12);
  }
  EXPECT_THROW(isoflop_profile(law, 1e18, 10, 1, 50), UserError);
}

TEST(AnalysisScalingAnalysis, IsoflopBudgetsSpanTheData) {
  Data d;
  d.n = {1e6, 1e7, 1e8};
  d.d = {1e8, 1e9, 1e10};
  d.loss = {3, 2.5, 2};
  const auto b = isoflop_budgets(d, 3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_NEAR(b[0], 6e14, 1e3);
  EXPECT_NEAR(b[1], 6e16, 1e5);
  EXPECT_NEAR(b[2], 6e18, 1e7);
}

TEST(AnalysisScalingAnalysis, GroupLevelsToleratesSmallDifferences) {
  const std::vector<double> v{1e9, 2e8, 1.01e9, 2.001e8, 5e8};
  const auto levels = group_levels(v, 0.02);
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[0], (std::vector<size_t>{1, 3}));
  EXPECT_EQ(levels[1], (std::vector<size_t>{4}));
  EXPECT_EQ(levels[2], (std::vector<size_t>{0, 2}));
}

TEST(AnalysisScalingAnalysis, PercentileInterval) {
  std::vector<double> v;
  for (int i = 0; i <= 100; ++i) v.push_back(100 - i);  // 0..100, shuffled order does not matter
  v.push_back(NAN);
  const Interval i = percentile_interval(v);
  EXPECT_DOUBLE_EQ(i.lo, 2.5);
  EXPECT_DOUBLE_EQ(i.hi, 97.5);
  EXPECT_TRUE(std::isnan(percentile_interval({}).lo));
}

// 200 resamples refitted from the reduced grid: the 95% intervals contain the true parameters, and the same
// seed gives the same resamples whatever the thread count.
TEST(AnalysisScalingAnalysis, BootstrapIntervalsContainTheTruth) {
  const ScalingLaw truth = true_law();
  const Data data = synthetic(truth, 16, 16, 0.01, 42);
  FitOptions o;
  o.grid = StartGrid{{0, 5, 10}, {0, 5, 10}, {0, 0.5, 1}, {0, 0.5, 1}, {0, 0.5, 1}};
  const FitResult best = fit(data, o);
  BootstrapOptions bs;
  bs.samples = 200;
  bs.seed = 1;
  const BootstrapResult r = bootstrap(data, best, o, bs);
  ASSERT_EQ(r.laws.size(), 200u);
  EXPECT_GE(r.starts_per_fit, 2u);
  EXPECT_LE(r.starts_per_fit, bs.reduced_starts + 1);
  auto check = [&](const char* name, double true_value, double (*get)(const ScalingLaw&)) {
    std::vector<double> v;
    for (const auto& l : r.laws) v.push_back(get(l));
    const Interval i = percentile_interval(v);
    EXPECT_LE(i.lo, true_value) << name;
    EXPECT_GE(i.hi, true_value) << name;
    EXPECT_LT(i.lo, i.hi) << name;
  };
  check("E", truth.E, [](const ScalingLaw& l) { return l.E; });
  check("A", truth.A, [](const ScalingLaw& l) { return l.A; });
  check("B", truth.B, [](const ScalingLaw& l) { return l.B; });
  check("alpha", truth.alpha, [](const ScalingLaw& l) { return l.alpha; });
  check("beta", truth.beta, [](const ScalingLaw& l) { return l.beta; });
  check("n_exponent", allocation(truth).n_exponent, [](const ScalingLaw& l) { return allocation(l).n_exponent; });

  FitOptions single = o;
  single.solver.threads = 1;
  BootstrapOptions few = bs;
  few.samples = 8;
  const BootstrapResult a = bootstrap(data, best, single, few);
  const BootstrapResult b = bootstrap(data, best, o, few);
  for (size_t s = 0; s < 8; ++s) {
    EXPECT_EQ(a.laws[s].alpha, b.laws[s].alpha);
    EXPECT_EQ(a.laws[s].E, r.laws[s].E);  // a prefix of the 200-sample run: resamples drawn in order
  }
}

}  // namespace
}  // namespace sst::analysis::fit
