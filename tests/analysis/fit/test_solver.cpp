// The solver layer under the scaling laws (analysis/fit/solver.cpp): the Huber loss and its derivatives,
// Ceres' L-BFGS through the one adapter (a known quadratic, Rosenbrock, a wall of non-finite values), the
// multi-start, the parallel loop (every index once, an exception rethrown) and the seeded resampling.
#include "analysis/fit/solver.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace sst::analysis::fit {
namespace {

TEST(AnalysisSolver, HuberIsQuadraticInsideDeltaAndLinearOutside) {
  const double delta = 0.5;
  EXPECT_DOUBLE_EQ(huber(0.2, delta).value, 0.02);
  EXPECT_DOUBLE_EQ(huber(0.2, delta).psi, 0.2);
  EXPECT_DOUBLE_EQ(huber(0.2, delta).dpsi, 1.0);
  EXPECT_DOUBLE_EQ(huber(-0.5, delta).value, 0.125);  // the boundary belongs to the quadratic part
  EXPECT_DOUBLE_EQ(huber(2.0, delta).value, 0.5 * (2.0 - 0.25));
  EXPECT_DOUBLE_EQ(huber(2.0, delta).psi, delta);
  EXPECT_DOUBLE_EQ(huber(-2.0, delta).psi, -delta);
  EXPECT_DOUBLE_EQ(huber(-2.0, delta).dpsi, 0.0);
  EXPECT_DOUBLE_EQ(huber(-2.0, delta).value, huber(2.0, delta).value);
}

TEST(AnalysisSolver, HuberDerivativesMatchFiniteDifferences) {
  const double delta = 1e-3, h = 1e-9;
  for (double r : {-3e-3, -8e-4, -1e-4, 0.0, 2e-4, 9e-4, 1.1e-3, 0.5}) {
    const double fd = (huber(r + h, delta).value - huber(r - h, delta).value) / (2 * h);
    EXPECT_NEAR(huber(r, delta).psi, fd, 1e-6) << r;
    const double fd2 = (huber(r + h, delta).psi - huber(r - h, delta).psi) / (2 * h);
    EXPECT_NEAR(huber(r, delta).dpsi, fd2, 1e-6) << r;
  }
  // Continuous at +-delta: both pieces give delta^2 / 2 there.
  EXPECT_NEAR(huber(delta * (1 + 1e-12), delta).value, 0.5 * delta * delta, 1e-15);
}

// f(x) = sum_i c_i (x_i - m_i)^2: the adapter passes value and gradient through, L-BFGS lands on m.
TEST(AnalysisSolver, LbfgsFindsTheMinimumOfAKnownQuadratic) {
  const std::vector<double> m{1.5, -2.0, 0.25}, c{1.0, 10.0, 0.5};
  int gradient_calls = 0;
  const Objective f = [&](const double* x, double* g) {
    double v = 0;
    for (size_t i = 0; i < m.size(); ++i) {
      v += c[i] * (x[i] - m[i]) * (x[i] - m[i]);
      if (g) g[i] = 2 * c[i] * (x[i] - m[i]);
    }
    if (g) ++gradient_calls;
    return v;
  };
  const Minimum r = minimize_lbfgs(f, 3, {0, 0, 0}, SolverOptions{});
  ASSERT_EQ(r.x.size(), 3u);
  for (size_t i = 0; i < m.size(); ++i) EXPECT_NEAR(r.x[i], m[i], 1e-6) << i;
  EXPECT_TRUE(r.converged);
  EXPECT_GT(r.iterations, 0);
  EXPECT_GT(gradient_calls, 0);
  EXPECT_NEAR(r.objective, 0.0, 1e-10);
  // The reported objective is f at the reported point, not the solver's last cost.
  EXPECT_EQ(r.objective, f(r.x.data(), nullptr));
}

TEST(AnalysisSolver, LbfgsSolvesRosenbrock) {
  const Objective rosenbrock = [](const double* x, double* g) {
    const double a = 1 - x[0], b = x[1] - x[0] * x[0];
    if (g) {
      g[0] = -2 * a - 400 * x[0] * b;
      g[1] = 200 * b;
    }
    return a * a + 100 * b * b;
  };
  SolverOptions tight;
  tight.function_tolerance = 1e-14;
  tight.parameter_tolerance = 1e-14;
  const Minimum r = minimize_lbfgs(rosenbrock, 2, {-1.2, 1.0}, tight);
  EXPECT_NEAR(r.x[0], 1.0, 1e-4);
  EXPECT_NEAR(r.x[1], 1.0, 1e-4);
  EXPECT_LT(r.objective, 1e-8);
  // An iteration cap is honoured: one step does not get there.
  SolverOptions one = tight;
  one.max_iterations = 1;
  const Minimum capped = minimize_lbfgs(rosenbrock, 2, {-1.2, 1.0}, one);
  EXPECT_FALSE(capped.converged);
  EXPECT_GT(capped.objective, 1e-3);
}

// A non-finite value is a wall: the point is refused (the adapter answers false; Ceres' line search also
// checks the value) and the search steps back, so the minimum of (x - 2)^2 on the finite side x <= 1 is
// approached from inside and never crossed.
TEST(AnalysisSolver, NonFiniteValuesAreNeverAccepted) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Objective walled = [nan](const double* x, double* g) {
    if (x[0] > 1) return nan;
    if (g) g[0] = 2 * (x[0] - 2);
    return (x[0] - 2) * (x[0] - 2);
  };
  const Minimum r = minimize_lbfgs(walled, 1, {0.0}, SolverOptions{});
  EXPECT_LE(r.x[0], 1.0);
  EXPECT_GT(r.x[0], 0.0);  // it did move towards the minimum
  EXPECT_TRUE(std::isfinite(r.objective));
  // A non-finite gradient is refused too; a start where nothing is finite reports infinity, not NaN.
  const Objective nowhere = [nan](const double*, double* g) {
    if (g) g[0] = nan;
    return nan;
  };
  EXPECT_EQ(minimize_lbfgs(nowhere, 1, {0.0}, SolverOptions{}).objective, std::numeric_limits<double>::infinity());
}

// A tilted double well, (x^2 - 1)^2 + x / 10: a lower minimum near -1, a higher one near +1. Each start keeps
// its own basin's minimum, in start order, on any thread count, and the lowest is the one picked.
TEST(AnalysisSolver, MultiStartKeepsEveryStartAndPicksTheLowest) {
  const Objective well = [](const double* x, double* g) {
    const double u = x[0] * x[0] - 1;
    if (g) g[0] = 4 * x[0] * u + 0.1;
    return u * u + 0.1 * x[0];
  };
  const std::vector<std::array<double, 1>> starts{{2.0}, {-2.0}, {0.8}, {-0.5}};
  SolverOptions one, three;
  one.threads = 1, three.threads = 3;
  const std::vector<Minimum> a = minimize_from_each(well, starts, one), b = minimize_from_each(well, starts, three);
  ASSERT_EQ(a.size(), starts.size());
  EXPECT_NEAR(a[0].x[0], 0.987, 1e-2);
  EXPECT_NEAR(a[1].x[0], -1.012, 1e-2);
  EXPECT_NEAR(a[2].x[0], 0.987, 1e-2);
  EXPECT_NEAR(a[3].x[0], -1.012, 1e-2);
  for (size_t i = 0; i < starts.size(); ++i) {
    EXPECT_EQ(a[i].x, b[i].x) << i;
    EXPECT_EQ(a[i].objective, b[i].objective) << i;
  }
  const size_t best = lowest(a);  // one of the two starts in the lower well
  EXPECT_TRUE(best == 1 || best == 3) << best;
  for (const Minimum& m : a) EXPECT_LE(a[best].objective, m.objective);
  std::vector<Minimum> tied(3);  // ties: the lowest index
  tied[0].objective = 2, tied[1].objective = 1, tied[2].objective = 1;
  EXPECT_EQ(lowest(tied), 1u);
}

// Five starts: two end in the optimum's basin, two share another optimum, one never reached a finite value.
TEST(AnalysisSolver, ReducedStartsAreTheBestDistinctOptima) {
  using P = std::array<double, 2>;
  const P optimum{1, 1};
  const std::vector<P> starts{{0, 0}, {5, 5}, {9, 9}, {7, 7}, {3, 3}};
  const std::vector<P> finals{{1, 1.001}, {2, 2}, {0, 0}, {2.005, 2}, {4, 4}};
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> objectives{0.1, 0.3, inf, 0.2, 0.5};
  // Best first: start 0 (same optimum as `optimum`: skipped), start 3 (new), start 1 (same as 3: skipped),
  // start 4 (new), start 2 (not finite: the end).
  EXPECT_EQ(distinct_best_starts(optimum, starts, finals, objectives, 5), (std::vector<P>{optimum, {7, 7}, {3, 3}}));
  EXPECT_EQ(distinct_best_starts(optimum, starts, finals, objectives, 1), (std::vector<P>{optimum, {7, 7}}));
  EXPECT_EQ(distinct_best_starts(optimum, starts, finals, objectives, 0), std::vector<P>{optimum});
}

TEST(AnalysisSolver, ParallelForRunsEveryIndexOnceOnAnyThreadCount) {
  for (int threads : {0, 1, 2, 7}) {
    std::vector<std::atomic<int>> hits(50);
    parallel_for(hits.size(), threads, [&](size_t i) { ++hits[i]; });
    for (size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].load(), 1) << "threads " << threads << " index " << i;
  }
  parallel_for(0, 4, [](size_t) { FAIL() << "no index in an empty range"; });
  EXPECT_THROW(parallel_for(20, 3,
                            [](size_t i) {
                              if (i == 11) throw std::runtime_error("index 11");
                            }),
               std::runtime_error);
}

TEST(AnalysisSolver, ResamplingIsDeterminedBySeed) {
  const auto a = resample_indices(37, 5, 42), b = resample_indices(37, 5, 42), c = resample_indices(37, 5, 43);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (const auto& sample : a) {
    ASSERT_EQ(sample.size(), 37u);
    for (size_t i : sample) EXPECT_LT(i, 37u);
  }
  EXPECT_NE(a[0], a[1]);  // each resample is drawn afresh, in order
  // The first resample does not depend on how many follow (drawn in order from one stream).
  EXPECT_EQ(resample_indices(37, 1, 42)[0], a[0]);
  // Every index is drawn, about equally often (2100 draws of 3 indices).
  std::vector<int> count(3, 0);
  const auto many = resample_indices(3, 700, 5);
  for (const auto& s : many)
    for (size_t i : s) ++count[i];
  for (int k = 0; k < 3; ++k) EXPECT_GT(count[k], 500) << k;
  EXPECT_TRUE(resample_indices(5, 0, 1).empty());
}

}  // namespace
}  // namespace sst::analysis::fit
