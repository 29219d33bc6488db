// Kaplan et al.'s L(N, D) (see kaplan.h): objective with its analytic gradient and the multi-start fit.
#include "analysis/fit/kaplan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "analysis/fit/solver.h"
#include "common/error.h"

namespace sst::analysis::fit {

double KaplanLaw::log_loss(double n, double d) const {
  const double t1 = (alpha_N / alpha_D) * (std::log(Nc) - std::log(n)), t2 = std::log(Dc) - std::log(d);
  const double mx = std::max(t1, t2);
  return alpha_D * (mx + std::log(std::exp(t1 - mx) + std::exp(t2 - mx)));
}
double KaplanLaw::loss(double n, double d) const { return std::exp(log_loss(n, d)); }
double KaplanLaw::n_exponent() const {
  return alpha_N > 0 && alpha_D > 0 ? alpha_D / (alpha_N + alpha_D) : std::numeric_limits<double>::quiet_NaN();
}
double KaplanLaw::d_exponent() const {
  return alpha_N > 0 && alpha_D > 0 ? alpha_N / (alpha_N + alpha_D) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<KaplanTheta> kaplan_starts() {
  std::vector<KaplanTheta> out;
  for (double nc : {0.0, 10.0, 20.0, 30.0, 40.0})
    for (double dc : {0.0, 10.0, 20.0, 30.0, 40.0})
      for (double an : {0.05, 0.1, 0.3, 0.6, 1.0})
        for (double ad : {0.05, 0.1, 0.3, 0.6, 1.0}) out.push_back({nc, dc, an, ad});
  return out;
}

double kaplan_objective(const Data& data, const KaplanTheta& p, double delta, KaplanTheta* gradient) {
  if (gradient) gradient->fill(0);
  const double nc = p[0], dc = p[1], an = p[2], ad = p[3];
  if (!(ad > 1e-8)) return std::numeric_limits<double>::quiet_NaN();  // the form divides by alpha_D
  const double ratio = an / ad;
  double f = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    const double u = nc - std::log(data.n[i]);
    const double t1 = ratio * u, t2 = dc - std::log(data.d[i]);
    const double mx = std::max(t1, t2);
    const double e1 = std::exp(t1 - mx), e2 = std::exp(t2 - mx);
    const double lse = mx + std::log(e1 + e2), s1 = e1 / (e1 + e2), s2 = 1 - s1;
    const Huber h = huber(ad * lse - std::log(data.loss[i]), delta);
    f += h.value;
    if (gradient) {
      const double psi = h.psi;
      (*gradient)[0] += psi * an * s1;
      (*gradient)[1] += psi * ad * s2;
      (*gradient)[2] += psi * s1 * u;
      (*gradient)[3] += psi * (lse - s1 * t1);
    }
  }
  return f;
}

KaplanFit fit_kaplan(const Data& data, double delta, const SolverOptions& solver,
                     const std::vector<KaplanTheta>& starts) {
  validate(data);
  if (data.size() < 4)
    throw UserError("Kaplan fit needs at least 4 points (it has 4 parameters), got " + std::to_string(data.size()));
  if (starts.empty()) throw UserError("Kaplan fit: no initial values");
  const Objective f = [&](const double* x, double* g) {
    KaplanTheta t{x[0], x[1], x[2], x[3]}, grad;
    const double v = kaplan_objective(data, t, delta, g ? &grad : nullptr);
    if (g) std::copy(grad.begin(), grad.end(), g);
    return v;
  };
  const std::vector<Minimum> minima = minimize_from_each(f, starts, solver);
  KaplanFit r;
  r.n_points = data.size();
  r.starts = starts;
  r.finals.resize(starts.size());
  r.objectives.resize(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    std::copy(minima[i].x.begin(), minima[i].x.end(), r.finals[i].begin());
    r.objectives[i] = minima[i].objective;
  }
  const size_t best = lowest(minima);
  if (!std::isfinite(r.objectives[best])) throw UserError("Kaplan fit: no start reached a finite objective");
  r.theta = r.finals[best];
  r.objective = r.objectives[best];
  r.law = KaplanLaw{std::exp(r.theta[0]), std::exp(r.theta[1]), r.theta[2], r.theta[3]};
  return r;
}

std::vector<KaplanTheta> kaplan_reduced_starts(const KaplanFit& fit, size_t count) {
  return distinct_best_starts(fit.theta, fit.starts, fit.finals, fit.objectives, count);
}

}  // namespace sst::analysis::fit
