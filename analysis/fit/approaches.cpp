// Chinchilla's approaches 1 (lower envelope) and 2 (IsoFLOP parabolas), and their bootstraps (approaches.h).
#include "analysis/fit/approaches.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <set>

#include "analysis/fit/solver.h"

namespace sst::analysis::fit {
namespace {

// The best loss reached with compute at most `flops` along one curve; NaN before the curve's first point. A
// run that ended below `flops` keeps its best loss: it is what that much compute bought, so the envelope (the
// minimum over runs) never rises with compute.
double best_so_far(const Curve& c, double flops) {
  if (c.flops.empty() || flops < c.flops.front()) return kNaN;
  double best = kNaN;
  for (size_t i = 0; i < c.flops.size() && c.flops[i] <= flops * (1 + 1e-12); ++i)
    if (!(c.loss[i] >= best)) best = c.loss[i];
  return best;
}

// Least squares of loss = c0 + c1 u + c2 u^2 (u centred for conditioning); false if singular.
bool fit_parabola(const std::vector<double>& u, const std::vector<double>& y, double& c0, double& c1, double& c2) {
  const size_t n = u.size();
  double mean = 0;
  for (double v : u) mean += v / static_cast<double>(n);
  double s[5] = {0, 0, 0, 0, 0}, t[3] = {0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    const double x = u[i] - mean;
    double p = 1;
    for (int k = 0; k < 5; ++k, p *= x) s[k] += p;
    t[0] += y[i], t[1] += y[i] * x, t[2] += y[i] * x * x;
  }
  // Normal equations [[s0 s1 s2] [s1 s2 s3] [s2 s3 s4]] b = t, by Cramer's rule (3x3).
  const double m[3][3] = {{s[0], s[1], s[2]}, {s[1], s[2], s[3]}, {s[2], s[3], s[4]}};
  auto det3 = [](const double a[3][3]) {
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  };
  const double d = det3(m);
  if (!(std::abs(d) > 1e-12 * std::max(1.0, s[0] * s[2] * s[4]))) return false;
  double b[3];
  for (int k = 0; k < 3; ++k) {
    double mk[3][3];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) mk[r][c] = c == k ? t[r] : m[r][c];
    b[k] = det3(mk) / d;
  }
  // Back from x = u - mean: b0 + b1 (u - m) + b2 (u - m)^2.
  c2 = b[2];
  c1 = b[1] - 2 * b[2] * mean;
  c0 = b[0] - b[1] * mean + b[2] * mean * mean;
  return true;
}

IsoflopFit fit_budget(double flops, const std::vector<size_t>& runs, const std::vector<double>& n,
                      const std::vector<double>& loss) {
  IsoflopFit f;
  f.flops = flops;
  f.runs = runs;
  std::vector<double> u, y;
  std::map<double, std::pair<double, int>> by_size;  // N -> (sum of losses, runs): seeds averaged
  for (size_t i : runs) {
    u.push_back(std::log(n[i]));
    y.push_back(loss[i]);
    by_size[n[i]].first += loss[i];
    ++by_size[n[i]].second;
  }
  f.distinct_sizes = by_size.size();
  if (by_size.size() < 3 || !fit_parabola(u, y, f.c0, f.c1, f.c2)) return f;
  f.has_minimum = f.c2 > 0;
  if (!f.has_minimum) return f;
  const double u_opt = -f.c1 / (2 * f.c2);
  f.n_opt = std::exp(u_opt);
  f.loss_opt = f.loss_at(f.n_opt);
  const auto lowest = std::min_element(by_size.begin(), by_size.end(), [](const auto& x, const auto& y) {
    return x.second.first / x.second.second < y.second.first / y.second.second;
  });
  f.bracketed = lowest != by_size.begin() && std::next(lowest) != by_size.end() &&
                u_opt > std::log(by_size.begin()->first) && u_opt < std::log(by_size.rbegin()->first);
  return f;
}

}  // namespace

double PowerFit::at(double x) const { return std::exp(log_coefficient + exponent * std::log(x)); }

PowerFit fit_power(const std::vector<double>& x, const std::vector<double>& y) {
  PowerFit f;
  f.n_points = x.size();
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += std::log(x[i]), my += std::log(y[i]);
  if (x.size() < 2) {
    f.exponent = f.log_coefficient = kNaN;
    return f;
  }
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(x.size());
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = std::log(x[i]) - mx;
    sxx += dx * dx;
    sxy += dx * (std::log(y[i]) - my);
  }
  f.exponent = sxx > 0 ? sxy / sxx : kNaN;
  f.log_coefficient = my - f.exponent * mx;
  return f;
}

double IsoflopFit::loss_at(double n) const {
  const double u = std::log(n);
  return c0 + c1 * u + c2 * u * u;
}

EnvelopeResult lower_envelope(const std::vector<Curve>& curves, int levels) {
  EnvelopeResult r;
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& c : curves)
    if (!c.flops.empty()) lo = std::min(lo, c.flops.front()), hi = std::max(hi, c.flops.back());
  if (!(hi > lo) || levels < 2) {
    r.n_opt.exponent = r.d_opt.exponent = kNaN;
    return r;
  }
  std::set<double> sizes;
  std::vector<double> cs, ns, ds;
  for (int k = 0; k < levels; ++k) {
    const double c = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * k / (levels - 1));
    size_t defined = 0, winner = 0;
    double best = kNaN;
    for (size_t i = 0; i < curves.size(); ++i) {
      const double l = best_so_far(curves[i], c);
      if (std::isnan(l)) continue;
      ++defined;
      if (!(l >= best)) best = l, winner = i;
    }
    if (defined < 2) continue;  // one run alone says nothing about which size is optimal
    const double n = curves[winner].n;
    r.points.push_back({c, best, n, c / (6 * n), winner});
    sizes.insert(n);
    cs.push_back(c), ns.push_back(n), ds.push_back(c / (6 * n));
  }
  r.distinct_sizes = sizes.size();
  r.n_opt = fit_power(cs, ns);
  r.d_opt = fit_power(cs, ds);
  if (sizes.size() < 2) r.n_opt.exponent = r.d_opt.exponent = kNaN;  // one size everywhere: no slope
  return r;
}

IsoflopResult isoflop_parabolas(const std::vector<double>& budget, const std::vector<double>& n,
                                const std::vector<double>& loss) {
  std::map<double, std::vector<size_t>> groups;
  for (size_t i = 0; i < budget.size(); ++i) groups[budget[i]].push_back(i);
  IsoflopResult r;
  std::vector<double> cs, ns, ds;
  for (const auto& [c, runs] : groups) {
    r.budgets.push_back(fit_budget(c, runs, n, loss));
    const IsoflopFit& f = r.budgets.back();
    if (!f.bracketed) continue;
    cs.push_back(c), ns.push_back(f.n_opt), ds.push_back(c / (6 * f.n_opt));
  }
  r.used = cs.size();
  r.n_opt = fit_power(cs, ns);
  r.d_opt = fit_power(cs, ds);
  return r;
}

std::vector<double> bootstrap_envelope(const std::vector<Curve>& curves, size_t samples, uint64_t seed, int threads) {
  const auto picks = resample_indices(curves.size(), samples, seed);
  std::vector<double> out(samples, kNaN);
  parallel_for(samples, threads, [&](size_t s) {
    std::vector<Curve> sample;
    for (size_t i : picks[s]) sample.push_back(curves[i]);
    out[s] = lower_envelope(sample).n_opt.exponent;
  });
  return out;
}

std::vector<double> bootstrap_isoflop(const std::vector<double>& budget, const std::vector<double>& n,
                                      const std::vector<double>& loss, size_t samples, uint64_t seed, int threads) {
  std::map<double, std::vector<size_t>> groups;
  for (size_t i = 0; i < budget.size(); ++i) groups[budget[i]].push_back(i);
  // One index stream per budget, each drawn in order from its own seed: deterministic for a seed.
  std::vector<std::vector<std::vector<size_t>>> picks;
  uint64_t k = 0;
  for (const auto& [c, runs] : groups) picks.push_back(resample_indices(runs.size(), samples, seed + 7919 * ++k));
  std::vector<double> out(samples, kNaN);
  parallel_for(samples, threads, [&](size_t s) {
    std::vector<double> b, nn, ll;
    size_t g = 0;
    for (const auto& [c, runs] : groups) {
      for (size_t j : picks[g][s]) b.push_back(c), nn.push_back(n[runs[j]]), ll.push_back(loss[runs[j]]);
      ++g;
    }
    out[s] = isoflop_parabolas(b, nn, ll).n_opt.exponent;
  });
  return out;
}

}  // namespace sst::analysis::fit
