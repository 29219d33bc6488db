// Chinchilla's approaches 1 and 2 (analysis/fit/approaches.cpp) on synthetic data with known parameters: the
// allocation exponents come back, what cannot be determined is NaN (never a number pretending to be one), and
// the bootstraps are deterministic for a seed. Kaplan et al.'s form is in test_kaplan.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/fit/approaches.h"
#include "analysis/fit/scaling_fit.h"
#include "common/error.h"
#include "tests/analysis/fit/synthetic.h"

namespace sst::analysis::fit {
namespace {

using testing::Noise;
using testing::synthetic;
using testing::true_law;

// Runs of an idealised sweep: each run's dev loss at `tokens` is the law's L(N, tokens).
std::vector<Curve> law_curves(const ScalingLaw& law, int sizes, double max_tokens) {
  std::vector<Curve> curves;
  for (int i = 0; i < sizes; ++i) {
    Curve c;
    c.n = std::pow(10.0, 6 + 3.0 * i / (sizes - 1));
    for (int k = 0; k <= 60; ++k) {
      const double t = std::pow(10.0, 7 + (std::log10(max_tokens) - 7) * k / 60.0);
      c.flops.push_back(6 * c.n * t);
      c.loss.push_back(law.loss(c.n, t));
    }
    curves.push_back(c);
  }
  return curves;
}

TEST(AnalysisApproaches, PowerFitRecoversAnExactPowerLaw) {
  const PowerFit f = fit_power({1, 10, 100, 1000},
                               {3, 3 * std::pow(10.0, 0.45), 3 * std::pow(100.0, 0.45), 3 * std::pow(1000.0, 0.45)});
  EXPECT_NEAR(f.exponent, 0.45, 1e-12);
  EXPECT_NEAR(f.at(1), 3, 1e-12);
  EXPECT_TRUE(std::isnan(fit_power({5}, {2}).exponent));
  EXPECT_TRUE(std::isnan(fit_power({5, 5}, {2, 3}).exponent));  // a single x: no slope
}

// The envelope of the law's own curves is its compute-optimal frontier: a = beta / (alpha + beta).
TEST(AnalysisApproaches, LowerEnvelopeFindsTheLawsAllocation) {
  const ScalingLaw law = true_law();
  const auto curves = law_curves(law, 16, 1e12);
  const EnvelopeResult e = lower_envelope(curves, 60);
  ASSERT_GE(e.points.size(), 20u);
  EXPECT_GE(e.distinct_sizes, 6u);
  EXPECT_NEAR(e.n_opt.exponent, allocation(law).n_exponent, 0.05);
  EXPECT_NEAR(e.n_opt.exponent + e.d_opt.exponent, 1.0, 1e-9);  // D_opt = C / (6 N_opt)
  for (const auto& p : e.points) EXPECT_NEAR(6 * p.n * p.d / p.flops, 1, 1e-12);
  // The envelope is the minimum over the runs defined at each level.
  for (const auto& p : e.points)
    for (const auto& c : curves)
      if (p.flops >= c.flops.front() && p.flops <= c.flops.back()) {
        double best = INFINITY;
        for (size_t i = 0; i < c.flops.size() && c.flops[i] <= p.flops * (1 + 1e-12); ++i)
          best = std::min(best, c.loss[i]);
        EXPECT_LE(p.loss, best + 1e-12);
      }
  // One model size: no slope, and it says so (NaN, not 0).
  const EnvelopeResult one = lower_envelope({curves[3], curves[3]}, 30);
  EXPECT_EQ(one.distinct_sizes, 1u);
  EXPECT_TRUE(std::isnan(one.n_opt.exponent));
}

// A run that ended keeps what its compute bought: the envelope over compute never rises. The defect this
// pins down: a small run ending at C = 1e12 with loss 1.0 dropped out of the envelope there, which then rose
// to the larger runs' 1.5 and above.
TEST(AnalysisApproaches, LowerEnvelopeNeverRisesWithCompute) {
  auto curve = [](double n, double c0, double c1, double l0, double l1) {
    Curve c;
    c.n = n;
    for (int k = 0; k <= 20; ++k) {
      const double t = k / 20.0;
      c.flops.push_back(c0 * std::pow(c1 / c0, t));
      c.loss.push_back(l0 + (l1 - l0) * t);
    }
    return c;
  };
  const std::vector<Curve> curves{curve(1e6, 1e10, 1e12, 2.0, 1.0), curve(1e8, 1e11, 1e14, 3.0, 1.5),
                                  curve(1e9, 1e11, 1e14, 3.5, 1.6)};
  const EnvelopeResult e = lower_envelope(curves, 40);
  ASSERT_GE(e.points.size(), 20u);
  for (size_t i = 1; i < e.points.size(); ++i)
    EXPECT_LE(e.points[i].loss, e.points[i - 1].loss) << "at C = " << e.points[i].flops;
  EXPECT_EQ(e.points.back().loss, 1.0) << "the small run's best loss is still the least any compute bought";
  EXPECT_EQ(e.points.back().n, 1e6);
}

// IsoFLOP runs from the law (sizes spread around each budget's optimum): the parabolas' minima follow the
// law's N_opt(C), so a comes back.
TEST(AnalysisApproaches, IsoflopParabolasFindTheLawsAllocation) {
  const ScalingLaw law = true_law();
  const Allocation a = allocation(law);
  std::vector<double> budget, n, loss;
  Noise noise(0.002, 4);
  for (double c : {1e18, 1e19, 1e20, 1e21, 1e22}) {
    const double center = a.n_opt(c);
    for (int k = -4; k <= 4; ++k) {
      const double nn = center * std::pow(10.0, 0.25 * k);
      budget.push_back(c);
      n.push_back(nn);
      loss.push_back(law.loss(nn, c / (6 * nn)) * noise());
    }
  }
  const IsoflopResult r = isoflop_parabolas(budget, n, loss);
  ASSERT_EQ(r.budgets.size(), 5u);
  EXPECT_EQ(r.used, 5u);
  for (const auto& f : r.budgets) {
    EXPECT_TRUE(f.bracketed);
    EXPECT_NEAR(std::log10(f.n_opt), std::log10(a.n_opt(f.flops)), 0.15) << f.flops;
  }
  EXPECT_NEAR(r.n_opt.exponent, a.n_exponent, 0.03);
  EXPECT_NEAR(r.n_opt.exponent + r.d_opt.exponent, 1.0, 1e-9);
  // Sizes all on one side of the optimum: the minimum is outside them and the budget is not used.
  std::vector<double> b2, n2, l2;
  for (int k = 0; k < 5; ++k) {
    const double nn = a.n_opt(1e20) * std::pow(10.0, 1 + 0.3 * k);
    b2.push_back(1e20), n2.push_back(nn), l2.push_back(law.loss(nn, 1e20 / (6 * nn)));
  }
  const IsoflopResult one_sided = isoflop_parabolas(b2, n2, l2);
  EXPECT_EQ(one_sided.used, 0u);
  EXPECT_TRUE(std::isnan(one_sided.n_opt.exponent));
  // A profile that only rises (SST-2's at 1e11 FLOPs): the parabola through it has its vertex between the
  // sizes, but the smallest size has the lowest loss, so the sizes do not bracket a minimum.
  const IsoflopResult rising = isoflop_parabolas({1e11, 1e11, 1e11}, {8642, 38018, 100098}, {0.417, 0.428, 0.460});
  ASSERT_EQ(rising.budgets.size(), 1u);
  ASSERT_TRUE(rising.budgets[0].has_minimum);
  EXPECT_GT(rising.budgets[0].n_opt, 8642);
  EXPECT_LT(rising.budgets[0].n_opt, 100098);
  EXPECT_FALSE(rising.budgets[0].bracketed);
  EXPECT_EQ(rising.used, 0u);

  const auto boot1 = bootstrap_isoflop(budget, n, loss, 40, 3, 1);
  const auto boot2 = bootstrap_isoflop(budget, n, loss, 40, 3, 2);
  ASSERT_EQ(boot1.size(), 40u);
  for (size_t s = 0; s < boot1.size(); ++s) EXPECT_EQ(boot1[s], boot2[s]) << s;  // independent of threads
  const Interval i = percentile_interval(boot1, 0.05, 0.95);
  EXPECT_LE(i.lo, a.n_exponent + 0.03);
  EXPECT_GE(i.hi, a.n_exponent - 0.03);
}

TEST(AnalysisApproaches, EnvelopeBootstrapIsDeterministic) {
  const auto curves = law_curves(true_law(), 8, 1e12);
  const auto a = bootstrap_envelope(curves, 20, 9, 1), b = bootstrap_envelope(curves, 20, 9, 3);
  ASSERT_EQ(a.size(), 20u);
  for (size_t s = 0; s < a.size(); ++s)
    if (!std::isnan(a[s])) EXPECT_EQ(a[s], b[s]);
}

}  // namespace
}  // namespace sst::analysis::fit
