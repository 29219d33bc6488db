// What is derived from a fitted scaling law: compute-optimal allocation (C = 6ND), IsoFLOP profiles, level
// grouping, and the bootstrap with percentile intervals. The fit itself is in scaling_fit.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/fit/scaling_fit.h"
#include "analysis/fit/solver.h"
#include "common/error.h"

namespace sst::analysis::fit {
namespace {

// The reduced bootstrap grid (solver.h's distinct_best_starts) of the full-data fit.
std::vector<Theta> reduced_starts(const FitResult& best, size_t count) {
  std::vector<Theta> initial, final;
  std::vector<double> objectives;
  for (const StartResult& s : best.starts) {
    initial.push_back(s.initial);
    final.push_back(s.final);
    objectives.push_back(s.objective);
  }
  return distinct_best_starts(best.theta, initial, final, objectives, count);
}

}  // namespace

Allocation allocation(const ScalingLaw& law) {
  Allocation a;
  const double sum = law.alpha + law.beta;
  if (!(law.alpha > 0 && law.beta > 0 && law.A > 0 && law.B > 0)) {
    // Without both terms decreasing there is no interior optimum; report NaN rather than nonsense.
    a.G = a.n_exponent = a.d_exponent = kNaN;
    return a;
  }
  // In logs: A, B can be e^25 and alpha/beta near 0, where the direct power would overflow.
  a.G = std::exp((std::log(law.alpha) + std::log(law.A) - std::log(law.beta) - std::log(law.B)) / sum);
  a.n_exponent = law.beta / sum;
  a.d_exponent = law.alpha / sum;
  return a;
}

double Allocation::n_opt(double flops) const { return G * std::pow(flops / 6.0, n_exponent); }
double Allocation::d_opt(double flops) const { return std::pow(flops / 6.0, d_exponent) / G; }

BudgetPrediction predict_budget(const ScalingLaw& law, double flops) {
  const Allocation a = allocation(law);
  BudgetPrediction p;
  p.flops = flops;
  p.n_opt = a.n_opt(flops);
  p.d_opt = a.d_opt(flops);
  p.loss = law.loss(p.n_opt, p.d_opt);
  return p;
}

IsoflopProfile isoflop_profile(const ScalingLaw& law, double flops, double n_lo, double n_hi, int samples) {
  if (!(n_lo > 0 && n_hi > n_lo && flops > 0 && samples >= 3))
    throw UserError("IsoFLOP profile: need 0 < n_lo < n_hi, a positive budget and at least 3 samples");
  IsoflopProfile p;
  p.flops = flops;
  auto loss_at = [&](double u) {
    const double n = std::exp(u);
    return law.loss(n, flops / (6.0 * n));
  };
  const double u0 = std::log(n_lo), u1 = std::log(n_hi);
  size_t best = 0;
  for (int i = 0; i < samples; ++i) {
    const double u = u0 + (u1 - u0) * i / (samples - 1);
    const double n = std::exp(u);
    p.n.push_back(n);
    p.d.push_back(flops / (6.0 * n));
    p.loss.push_back(loss_at(u));
    if (p.loss.back() < p.loss[best]) best = static_cast<size_t>(i);
  }
  // E + A e^{-alpha u} + B' e^{beta u} is convex in u = log N, so the sampled minimum brackets the true
  // one; golden-section search refines it to machine precision in log N.
  double lo = std::log(p.n[best == 0 ? 0 : best - 1]);
  double hi = std::log(p.n[std::min(best + 1, p.n.size() - 1)]);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double f1 = loss_at(x1), f2 = loss_at(x2);
  for (int it = 0; it < 200 && hi - lo > 1e-12; ++it) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = loss_at(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = loss_at(x2);
    }
  }
  const double u = 0.5 * (lo + hi);
  p.n_min = std::exp(u);
  p.d_min = flops / (6.0 * p.n_min);
  p.loss_min = loss_at(u);
  return p;
}

std::vector<double> isoflop_budgets(const Data& data, int count) {
  if (data.size() == 0 || count <= 0) return {};
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    const double c = 6.0 * data.n[i] * data.d[i];
    lo = std::min(lo, c);
    hi = std::max(hi, c);
  }
  if (count == 1 || hi <= lo) return {std::sqrt(lo * hi)};
  std::vector<double> out;
  for (int i = 0; i < count; ++i)
    out.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (count - 1)));
  return out;
}

std::vector<std::vector<size_t>> group_levels(const std::vector<double>& values, double rel_tol) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return values[x] < values[y]; });
  std::vector<std::vector<size_t>> levels;
  double first = 0;
  for (size_t i : order) {
    if (levels.empty() || values[i] > first * (1 + rel_tol)) {
      levels.emplace_back();
      first = values[i];
    }
    levels.back().push_back(i);
  }
  return levels;
}

BootstrapResult bootstrap(const Data& data, const FitResult& best, const FitOptions& options,
                          const BootstrapOptions& bs) {
  BootstrapResult r;
  if (bs.samples == 0) return r;
  validate(data);
  const std::vector<Theta> starts = bs.full_grid ? options.grid.points() : reduced_starts(best, bs.reduced_starts);
  r.starts_per_fit = starts.size();

  // All resamples are drawn up front, in order, so the result for a seed does not depend on threading.
  const auto picks = resample_indices(data.size(), bs.samples, bs.seed);

  r.laws.assign(bs.samples, ScalingLaw{kNaN, kNaN, kNaN, kNaN, kNaN});
  r.objectives.assign(bs.samples, kNaN);
  SolverOptions inner = options.solver;
  inner.threads = 1;  // parallelism is across resamples
  parallel_for(bs.samples, options.solver.threads, [&](size_t s) {
    const Data sample = subset(data, picks[s]);
    try {
      FitResult f = fit_from(sample, starts, options.delta, inner);
      r.laws[s] = f.law;
      r.objectives[s] = f.objective;
    } catch (const UserError&) {
      // A degenerate resample (no finite optimum) stays NaN and is left out of the percentiles.
    }
  });
  return r;
}

Interval percentile_interval(std::vector<double> values, double lo_q, double hi_q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  if (values.empty()) return {kNaN, kNaN};
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    const double pos = q * static_cast<double>(values.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(pos));
    const size_t j = std::min(i + 1, values.size() - 1);
    return values[i] + (pos - static_cast<double>(i)) * (values[j] - values[i]);
  };
  return {at(lo_q), at(hi_q)};
}

}  // namespace sst::analysis::fit
