// The Chinchilla fit (analysis/fit/scaling_fit.cpp): parameter recovery on synthetic data, the multi-start
// bookkeeping, the analytic gradient, exclusion of the highest-loss points, and input validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "analysis/fit/scaling_fit.h"
#include "common/error.h"
#include "test_paths.h"
#include "tests/analysis/fit/synthetic.h"

namespace sst::analysis::fit {
namespace {

using testing::synthetic;
using testing::true_law;

// A 3^5 grid: small enough for quick tests, wide enough to reach the same basin as the full grid.
StartGrid small_grid() { return StartGrid{{0, 5, 10}, {0, 5, 10}, {0, 0.5, 1}, {0, 0.5, 1}, {0, 0.5, 1}}; }

TEST(AnalysisScalingFit, ChinchillaGridIsTheDefault) {
  const StartGrid g = FitOptions{}.grid;
  EXPECT_EQ(g.alpha, (std::vector<double>{0, 0.5, 1, 1.5, 2}));
  EXPECT_EQ(g.beta, (std::vector<double>{0, 0.5, 1, 1.5, 2}));
  EXPECT_EQ(g.e, (std::vector<double>{-1, -0.5, 0, 0.5, 1, 1.5}));
  EXPECT_EQ(g.a, (std::vector<double>{0, 5, 10, 15, 20, 25}));
  EXPECT_EQ(g.b, (std::vector<double>{0, 5, 10, 15, 20, 25}));
  EXPECT_EQ(g.size(), 5400u);
  EXPECT_EQ(g.points().size(), 5400u);
  EXPECT_DOUBLE_EQ(FitOptions{}.delta, 1e-3);
}

// The full default grid on 256 points with 1% noise: parameters come back, the objective is the best start's,
// and the wall time is written to a benchmark note (not asserted: machines differ).
TEST(AnalysisScalingFit, DefaultGridRecoversKnownParameters) {
  const ScalingLaw truth = true_law();
  const Data data = synthetic(truth, 16, 16, 0.01, 42);
  ASSERT_EQ(data.size(), 256u);

  const auto t0 = std::chrono::steady_clock::now();
  const FitResult r = fit(data);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  EXPECT_NEAR(r.law.E, truth.E, 0.05 * truth.E);
  EXPECT_NEAR(r.law.alpha, truth.alpha, 0.02);
  EXPECT_NEAR(r.law.beta, truth.beta, 0.02);
  EXPECT_NEAR(std::log(r.law.A), std::log(truth.A), 0.25);
  EXPECT_NEAR(std::log(r.law.B), std::log(truth.B), 0.25);
  // The allocation exponent is what the fit is for; it is much better determined than A or B.
  EXPECT_NEAR(allocation(r.law).n_exponent, allocation(truth).n_exponent, 0.02);

  ASSERT_EQ(r.starts.size(), 5400u);
  double min_objective = INFINITY;
  for (const auto& s : r.starts) min_objective = std::min(min_objective, s.objective);
  EXPECT_EQ(r.objective, min_objective);
  EXPECT_EQ(r.objective, r.starts[r.best_start].objective);
  EXPECT_EQ(r.theta, r.starts[r.best_start].final);
  EXPECT_DOUBLE_EQ(r.objective, objective(data, r.theta, 1e-3));
  EXPECT_EQ(r.n_points, 256u);
  // The fitted law explains the data at least as well as the truth does (it minimises the same objective).
  EXPECT_LE(r.objective, objective(data, truth.theta(), 1e-3));

  const std::string note = sst::test::bin_dir() + "/../fit_benchmark.txt";
  std::ofstream(note) << "default-grid Chinchilla fit: " << data.size() << " points, " << r.starts.size() << " starts, "
                      << std::thread::hardware_concurrency() << " hardware threads: " << seconds << " s wall\n";
  std::cout << "[ benchmark ] default-grid fit of " << data.size() << " points: " << seconds << " s (" << note << ")\n";
  RecordProperty("fit_seconds", std::to_string(seconds));
}

TEST(AnalysisScalingFit, ObjectiveIsTheMinimumOverStartsAndIndependentOfThreads) {
  const Data data = synthetic(true_law(), 8, 8, 0.01, 7);
  FitOptions o;
  o.grid = small_grid();
  o.solver.threads = 1;
  const FitResult one = fit(data, o);
  o.solver.threads = 3;
  const FitResult three = fit(data, o);
  ASSERT_EQ(one.starts.size(), 243u);
  size_t best = 0;
  for (size_t i = 0; i < one.starts.size(); ++i) {
    EXPECT_EQ(one.starts[i].initial, o.grid.points()[i]);
    EXPECT_DOUBLE_EQ(one.starts[i].objective, objective(data, one.starts[i].final, o.delta));
    if (one.starts[i].objective < one.starts[best].objective) best = i;
    EXPECT_EQ(one.starts[i].final, three.starts[i].final) << "start " << i;
  }
  EXPECT_EQ(one.best_start, best);
  EXPECT_EQ(one.objective, one.starts[best].objective);
  EXPECT_EQ(one.theta, three.theta);
}

TEST(AnalysisScalingFit, GradientMatchesFiniteDifferences) {
  const Data data = synthetic(true_law(), 6, 6, 0.05, 3);
  // Points in both Huber regimes, including a large-exponent one where the max-shifted path is taken.
  for (const Theta& theta :
       {Theta{6.0, 6.0, 0.5, 0.34, 0.28}, Theta{1.0, 2.0, -0.3, 0.1, 0.9}, Theta{700.0, 5.0, 0.5, 0.1, 0.3}}) {
    for (double delta : {1e-3, 10.0}) {
      Theta g;
      objective(data, theta, delta, &g);
      for (size_t k = 0; k < 5; ++k) {
        Theta hi = theta, lo = theta;
        const double h = 1e-6 * std::max(1.0, std::abs(theta[k]));
        hi[k] += h;
        lo[k] -= h;
        const double fd = (objective(data, hi, delta) - objective(data, lo, delta)) / (2 * h);
        EXPECT_NEAR(g[k], fd, 1e-5 * std::max(1.0, std::abs(fd))) << "k=" << k << " delta=" << delta;
      }
    }
  }
}

TEST(AnalysisScalingFit, ObjectiveMatchesTheDefinition) {
  const Data data = synthetic(true_law(), 4, 4, 0.02, 5);
  const Theta theta{6.2, 5.9, 0.4, 0.3, 0.25};
  const ScalingLaw law = ScalingLaw::from_theta(theta);
  for (double delta : {1e-3, 1e-2, 1.0}) {
    double expected = 0;
    for (size_t i = 0; i < data.size(); ++i) {
      const double r = std::log(law.loss(data.n[i], data.d[i])) - std::log(data.loss[i]);
      expected += std::abs(r) <= delta ? 0.5 * r * r : delta * (std::abs(r) - 0.5 * delta);
    }
    EXPECT_NEAR(objective(data, theta, delta), expected, 1e-12 * std::max(1.0, expected));
  }
}

TEST(AnalysisScalingFit, LogLossIsStableWhereTheLossOverflows) {
  const ScalingLaw law{1e308, 1e308, 1e308, 0.0, 0.0};  // each term is finite, their sum is not
  EXPECT_FALSE(std::isfinite(law.loss(1e9, 1e9)));
  EXPECT_NEAR(law.log_loss(1e9, 1e9), std::log(1e308) + std::log(3.0), 1e-12);
  const ScalingLaw small = true_law();
  EXPECT_NEAR(small.log_loss(1e7, 1e9), std::log(small.loss(1e7, 1e9)), 1e-12);
}

TEST(AnalysisScalingFit, ExcludeTopKDropsTheHighestLossPoints) {
  const Data data = synthetic(true_law(), 6, 6, 0.01, 11);
  std::vector<size_t> excluded;
  const Data kept = exclude_highest_loss(data, 3, &excluded);
  ASSERT_EQ(kept.size(), data.size() - 3);
  ASSERT_EQ(excluded.size(), 3u);
  const double kept_max = *std::max_element(kept.loss.begin(), kept.loss.end());
  for (size_t i : excluded) EXPECT_GE(data.loss[i], kept_max);
  EXPECT_GE(data.loss[excluded[0]], data.loss[excluded[1]]);
  EXPECT_GE(data.loss[excluded[1]], data.loss[excluded[2]]);

  FitOptions o;
  o.grid = small_grid();
  EXPECT_EQ(fit(kept, o).n_points, data.size() - 3);
  EXPECT_EQ(exclude_highest_loss(data, 0).size(), data.size());
  EXPECT_THROW(exclude_highest_loss(data, data.size()), UserError);
}

TEST(AnalysisScalingFit, RejectsBadInput) {
  Data data = synthetic(true_law(), 3, 3, 0.0, 1);
  FitOptions o;
  o.grid = small_grid();
  Data bad = data;
  bad.loss[4] = -1;
  EXPECT_THROW(fit(bad, o), UserError);
  bad = data;
  bad.n[0] = NAN;
  EXPECT_THROW(fit(bad, o), UserError);
  Data few;
  few.n = {1e6, 1e7, 1e8, 1e9};
  few.d = few.n;
  few.loss = {3, 2.5, 2.2, 2};
  EXPECT_THROW(fit(few, o), UserError);
  o.delta = 0;
  EXPECT_THROW(fit(data, o), UserError);
  o.delta = 1e-3;
  o.grid.alpha.clear();
  EXPECT_THROW(fit(data, o), UserError);
}

TEST(AnalysisScalingFit, OneVariablePowerLawIsRecovered) {
  const PowerLaw truth{1.9, 350.0, 0.31};
  std::vector<double> x, y;
  for (int i = 0; i < 12; ++i) {
    x.push_back(std::pow(10.0, 6 + 0.3 * i));
    y.push_back(truth.loss(x.back()));
  }
  const PowerLawFit f = fit_power_law(x, y, FitOptions{});
  EXPECT_NEAR(f.law.E, truth.E, 1e-3);
  EXPECT_NEAR(f.law.alpha, truth.alpha, 1e-3);
  EXPECT_NEAR(std::log(f.law.A), std::log(truth.A), 1e-2);
  EXPECT_EQ(f.starts, 6u * 6u * 5u);
  EXPECT_EQ(f.n_points, 12u);
  EXPECT_THROW(fit_power_law({1, 2}, {3, 2}, FitOptions{}), UserError);
}

}  // namespace
}  // namespace sst::analysis::fit
