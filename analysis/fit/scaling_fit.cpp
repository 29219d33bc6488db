// The multi-start Huber/log-sum-exp fit of the Chinchilla loss (and of one-variable power laws) with the
// solver layer's L-BFGS (solver.h). See scaling_fit.h for the model; allocation, IsoFLOP and bootstrap live in
// scaling_analysis.cpp.
#include "analysis/fit/scaling_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

#include "analysis/fit/solver.h"
#include "common/error.h"

namespace sst::analysis::fit {
namespace {

// The objective for a sum of m power-law terms plus a constant, in log space:
//   log L_i ~ LSE(a_1 - alpha_1 log x_1i, ..., a_m - alpha_m log x_mi, e)
// Parameter layout [a_1..a_m, e, alpha_1..alpha_m]: for m = 2 that is Chinchilla's (a, b, e, alpha, beta).
//
// Speed matters (Chinchilla's grid is 5400 L-BFGS runs): sweeps reuse a few distinct N and D values, so the
// term exp(a_j - alpha_j log x) is computed once per distinct x, and each point then needs a single log of the
// summed terms. That is the same value as the shifted log-sum-exp whenever the terms are in double range;
// when a term could overflow (or the sum underflows) the point falls back to the max-shifted form.
template <size_t M>
class LseHuber {
 public:
  LseHuber(const std::vector<std::vector<double>>& xs, const std::vector<double>& y, double delta)
      : delta_(delta), logy_(y.size()) {
    if (xs.size() != M) throw std::logic_error("LseHuber: wrong number of variables");
    for (size_t j = 0; j < m_; ++j) {
      std::vector<double> sorted = xs[j];
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (double v : sorted) unique_[j].push_back(std::log(v));
      for (double v : xs[j])
        index_[j].push_back(static_cast<uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin()));
    }
    for (size_t i = 0; i < y.size(); ++i) logy_[i] = std::log(y[i]);
  }
  static constexpr int kNumParameters = static_cast<int>(2 * M + 1);

  // Value and (optionally) gradient.
  double operator()(const double* p, double* grad) const {
    if (grad) std::fill(grad, grad + kNumParameters, 0.0);
    // Per distinct x: the exponent t and exp(t). thread_local: one LseHuber serves all solver threads.
    thread_local std::vector<double> t_buf[M], e_buf[M];
    bool safe = std::abs(p[m_]) < kSafeExponent;
    for (size_t j = 0; j < m_; ++j) {
      t_buf[j].resize(unique_[j].size());
      e_buf[j].resize(unique_[j].size());
      for (size_t u = 0; u < unique_[j].size(); ++u) {
        const double t = p[j] - p[m_ + 1 + j] * unique_[j][u];
        t_buf[j][u] = t;
        e_buf[j][u] = std::exp(t);
        safe = safe && t < kSafeExponent;
      }
    }
    const double exp_e = std::exp(p[m_]);
    double f = 0;
    double t[M + 1], w[M + 1];
    for (size_t i = 0; i < logy_.size(); ++i) {
      double s = exp_e, lse;
      w[m_] = exp_e;
      for (size_t j = 0; j < m_; ++j) s += (w[j] = e_buf[j][index_[j][i]]);
      if (safe && s > kTiny) {
        lse = std::log(s);
      } else {
        // Max-shifted log-sum-exp: exact for any finite exponents.
        double mx = t[m_] = p[m_];
        for (size_t j = 0; j < m_; ++j) mx = std::max(mx, t[j] = t_buf[j][index_[j][i]]);
        s = 0;
        for (size_t k = 0; k <= m_; ++k) s += (w[k] = std::exp(t[k] - mx));
        lse = mx + std::log(s);
      }
      const Huber h = huber(lse - logy_[i], delta_);
      f += h.value;
      if (grad) {
        const double g = h.psi / s;  // psi times the softmax normaliser: d lse / d t_k = w_k / s
        for (size_t j = 0; j < m_; ++j) {
          grad[j] += g * w[j];
          grad[m_ + 1 + j] -= g * w[j] * unique_[j][index_[j][i]];
        }
        grad[m_] += g * w[m_];
      }
    }
    return f;
  }

 private:
  static constexpr double kSafeExponent = 600;  // exp(600) ~ 1e260: sums of a few such terms stay finite
  static constexpr double kTiny = 1e-280;       // below this the plain sum may have lost precision

  static constexpr size_t m_ = M;  // number of power-law terms
  double delta_;
  std::vector<double> logy_;
  std::vector<double> unique_[M];   // per variable: log of each distinct value
  std::vector<uint32_t> index_[M];  // per variable and point: index into unique_
};

// An LseHuber as the solver's objective (it must outlive the returned function).
template <size_t M>
Objective as_objective(const LseHuber<M>& f) {
  return [&f](const double* x, double* gradient) { return f(x, gradient); };
}

void check_delta(double delta) {
  if (!(delta > 0) || !std::isfinite(delta)) throw UserError("--delta must be a positive number");
}

}  // namespace

double ScalingLaw::log_loss(double n, double d) const {
  const double t[3] = {std::log(A) - alpha * std::log(n), std::log(B) - beta * std::log(d), std::log(E)};
  const double mx = std::max({t[0], t[1], t[2]});
  return mx + std::log(std::exp(t[0] - mx) + std::exp(t[1] - mx) + std::exp(t[2] - mx));
}

double ScalingLaw::loss(double n, double d) const { return E + A / std::pow(n, alpha) + B / std::pow(d, beta); }

ScalingLaw ScalingLaw::from_theta(const Theta& t) {
  return ScalingLaw{std::exp(t[2]), std::exp(t[0]), std::exp(t[1]), t[3], t[4]};
}

Theta ScalingLaw::theta() const { return {std::log(A), std::log(B), std::log(E), alpha, beta}; }

double PowerLaw::loss(double x) const { return E + A / std::pow(x, alpha); }

void validate(const Data& data) {
  if (data.n.size() != data.loss.size() || data.d.size() != data.loss.size())
    throw UserError("scaling fit: N, D and loss have different lengths");
  for (size_t i = 0; i < data.size(); ++i)
    for (double v : {data.n[i], data.d[i], data.loss[i]})
      if (!(std::isfinite(v) && v > 0))
        throw UserError("scaling fit: point " + std::to_string(i) + " has a non-finite or non-positive value");
}

Data exclude_highest_loss(const Data& data, size_t k, std::vector<size_t>* excluded) {
  if (k >= data.size())
    throw UserError("--exclude-top-k " + std::to_string(k) + " would drop all " + std::to_string(data.size()) +
                    " points");
  std::vector<size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return data.loss[x] > data.loss[y]; });
  std::vector<bool> drop(data.size(), false);
  for (size_t i = 0; i < k; ++i) drop[order[i]] = true;
  if (excluded) excluded->assign(order.begin(), order.begin() + static_cast<long>(k));
  Data out;
  for (size_t i = 0; i < data.size(); ++i) {
    if (drop[i]) continue;
    out.n.push_back(data.n[i]);
    out.d.push_back(data.d[i]);
    out.loss.push_back(data.loss[i]);
  }
  return out;
}

Data subset(const Data& data, const std::vector<size_t>& indices) {
  Data out;
  for (size_t i : indices) {
    out.n.push_back(data.n[i]);
    out.d.push_back(data.d[i]);
    out.loss.push_back(data.loss[i]);
  }
  return out;
}

StartGrid StartGrid::chinchilla() {
  StartGrid g;
  g.alpha = g.beta = {0, 0.5, 1, 1.5, 2};
  g.e = {-1, -0.5, 0, 0.5, 1, 1.5};
  g.a = g.b = {0, 5, 10, 15, 20, 25};
  return g;
}

std::vector<Theta> StartGrid::points() const {
  std::vector<Theta> out;
  out.reserve(size());
  for (double va : a)
    for (double vb : b)
      for (double ve : e)
        for (double val : alpha)
          for (double vbe : beta) out.push_back({va, vb, ve, val, vbe});
  return out;
}

double objective(const Data& data, const Theta& theta, double delta, Theta* gradient) {
  LseHuber<2> f({data.n, data.d}, data.loss, delta);
  return f(theta.data(), gradient ? gradient->data() : nullptr);
}

FitResult fit_from(const Data& data, const std::vector<Theta>& starts, double delta, const SolverOptions& solver) {
  validate(data);
  check_delta(delta);
  if (data.size() < 5)
    throw UserError("scaling fit needs at least 5 points (it has 5 parameters), got " + std::to_string(data.size()));
  if (starts.empty()) throw UserError("scaling fit: the grid of initial values is empty");
  const LseHuber<2> f({data.n, data.d}, data.loss, delta);
  const std::vector<Minimum> minima = minimize_from_each(as_objective(f), starts, solver);
  FitResult r;
  r.n_points = data.size();
  r.starts.resize(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    StartResult& out = r.starts[i];
    out.initial = starts[i];
    std::copy(minima[i].x.begin(), minima[i].x.end(), out.final.begin());
    out.objective = minima[i].objective;
    out.iterations = minima[i].iterations;
    out.converged = minima[i].converged;
  }
  r.best_start = lowest(minima);
  const StartResult& best = r.starts[r.best_start];
  if (!std::isfinite(best.objective)) throw UserError("scaling fit: no start reached a finite objective");
  r.theta = best.final;
  r.objective = best.objective;
  r.law = ScalingLaw::from_theta(r.theta);
  return r;
}

FitResult fit(const Data& data, const FitOptions& options) {
  return fit_from(data, options.grid.points(), options.delta, options.solver);
}

PowerLawFit fit_power_law(const std::vector<double>& x, const std::vector<double>& loss, const FitOptions& options) {
  check_delta(options.delta);
  if (x.size() != loss.size()) throw UserError("power-law fit: x and loss have different lengths");
  if (x.size() < 3)
    throw UserError("power-law fit needs at least 3 points (it has 3 parameters), got " + std::to_string(x.size()));
  for (size_t i = 0; i < x.size(); ++i)
    if (!(std::isfinite(x[i]) && x[i] > 0 && std::isfinite(loss[i]) && loss[i] > 0))
      throw UserError("power-law fit: point " + std::to_string(i) + " has a non-finite or non-positive value");
  const StartGrid& g = options.grid;
  std::vector<std::array<double, 3>> starts;
  for (double va : g.a)
    for (double ve : g.e)
      for (double val : g.alpha) starts.push_back({va, ve, val});
  if (starts.empty()) throw UserError("power-law fit: the grid of initial values is empty");
  const LseHuber<1> f({x}, loss, options.delta);
  const std::vector<Minimum> solved = minimize_from_each(as_objective(f), starts, options.solver);
  const size_t best = lowest(solved);
  if (!std::isfinite(solved[best].objective)) throw UserError("power-law fit: no start reached a finite objective");
  const auto& p = solved[best].x;  // layout (a, e, alpha)
  PowerLawFit r;
  r.law = PowerLaw{std::exp(p[1]), std::exp(p[0]), p[2]};
  r.objective = solved[best].objective;
  r.n_points = x.size();
  r.starts = starts.size();
  std::vector<std::array<double, 3>> finals;
  std::vector<double> objectives;
  for (const auto& m : solved) {
    finals.push_back({m.x[0], m.x[1], m.x[2]});
    objectives.push_back(m.objective);
  }
  r.bootstrap_starts = distinct_best_starts<3>({p[0], p[1], p[2]}, starts, finals, objectives, 8);
  return r;
}

PowerLaw refit_power_law(const std::vector<double>& x, const std::vector<double>& loss,
                         const std::vector<std::array<double, 3>>& starts, const FitOptions& options) {
  const LseHuber<1> f({x}, loss, options.delta);
  SolverOptions one = options.solver;
  one.threads = 1;  // called from inside the bootstrap's parallel loop
  const std::vector<Minimum> solved = minimize_from_each(as_objective(f), starts, one);
  const Minimum& m = solved[lowest(solved)];
  if (!std::isfinite(m.objective)) return {NAN, NAN, NAN};
  return {std::exp(m.x[1]), std::exp(m.x[0]), m.x[2]};
}

}  // namespace sst::analysis::fit
