// Scaling-law fitting (no LibTorch): the Chinchilla parametric loss L(N, D) = E + A/N^alpha + B/D^beta
// fitted as in Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", Appendix D.2,
// plus what is derived from it: compute-optimal allocation, IsoFLOP profiles, bootstrap intervals, and the
// one-variable power laws L(x) = E + A/x^alpha.
//
// The fit. Parameters theta = (a, b, e, alpha, beta) with A = exp(a), B = exp(b), E = exp(e). For each run
//   predicted log L_i = LSE(a - alpha log N_i, b - beta log D_i, e)      (log-sum-exp, computed stably)
//   objective(theta)  = sum_i Huber_delta(predicted log L_i - log L_i)   (delta = 1e-3 by default)
// with Huber_delta(r) = r^2/2 for |r| <= delta, delta(|r| - delta/2) otherwise. It is minimised with Ceres'
// line-search L-BFGS (solver.h's minimize_lbfgs, analytic gradient) from every point of a grid of initial
// values (Chinchilla's grid by default) and the lowest objective is kept. Every start's result is returned.
//
// Sources: scaling_fit.cpp (the fit itself), scaling_analysis.cpp (allocation, IsoFLOP, bootstrap); both on
// the solver layer (solver.h: the Huber loss, L-BFGS, the parallel loop, the resampling).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/fit/solver.h"

namespace sst::analysis::fit {

// (a, b, e, alpha, beta): the fitted variables, in Chinchilla's order.
using Theta = std::array<double, 5>;

// L(N, D) = E + A / N^alpha + B / D^beta.
struct ScalingLaw {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
  double loss(double n, double d) const;
  double log_loss(double n, double d) const;  // log L(N, D) via log-sum-exp (no overflow for large a, b)
  static ScalingLaw from_theta(const Theta& theta);
  Theta theta() const;  // (log A, log B, log E, alpha, beta); requires A, B, E > 0
};

// The observations: N (parameters), D (tokens) and the loss of each run; all finite and > 0.
struct Data {
  std::vector<double> n, d, loss;
  size_t size() const { return loss.size(); }
};

// Throws sst::UserError if the vectors differ in length or a value is not finite and positive.
void validate(const Data& data);

// Returns `data` without its k highest-loss points (ties: the later point goes first); `excluded`, if
// given, receives their indices in `data`, highest loss first. Throws UserError if k >= data.size().
Data exclude_highest_loss(const Data& data, size_t k, std::vector<size_t>* excluded = nullptr);
// The points of `data` at `indices`, in that order (repeats allowed: a bootstrap resample).
Data subset(const Data& data, const std::vector<size_t>& indices);

// The grid of initial values; every combination is one start.
struct StartGrid {
  std::vector<double> a, b, e, alpha, beta;
  // Hoffmann et al.: alpha, beta in {0, 0.5, 1, 1.5, 2}; e in {-1, -.5, 0, .5, 1, 1.5}; a, b in {0, 5, ..., 25}.
  static StartGrid chinchilla();
  size_t size() const { return a.size() * b.size() * e.size() * alpha.size() * beta.size(); }
  // All combinations; the last coordinate (beta) varies fastest.
  std::vector<Theta> points() const;
};

struct FitOptions {
  double delta = 1e-3;
  StartGrid grid = StartGrid::chinchilla();
  SolverOptions solver;
};

// One start of the multi-start minimisation. `objective` is recomputed at `final`, so the best start's
// objective is exactly FitResult::objective.
struct StartResult {
  Theta initial{}, final{};
  double objective = 0;
  int iterations = 0;
  bool converged = false;  // Ceres reported CONVERGENCE (not max iterations or a line-search failure)
};

struct FitResult {
  ScalingLaw law;
  Theta theta{};
  double objective = 0;  // min over starts
  size_t n_points = 0;
  size_t best_start = 0;  // index into starts (lowest objective; ties: lowest index)
  std::vector<StartResult> starts;
};

// The Huber objective at theta (see the file comment); fills `gradient` (d/d theta) if non-null.
double objective(const Data& data, const Theta& theta, double delta, Theta* gradient = nullptr);

// Fits from every grid start. Throws UserError for invalid data, fewer than 5 points, delta <= 0, an empty
// grid, or if no start ends at a finite objective.
FitResult fit(const Data& data, const FitOptions& options = {});
// Same, from explicit starts (used by the bootstrap's reduced grid).
FitResult fit_from(const Data& data, const std::vector<Theta>& starts, double delta, const SolverOptions& solver);

// ---- one-variable power law L(x) = E + A / x^alpha (fitted like the 2-D law, theta = (a, e, alpha)) ----
struct PowerLaw {
  double E = 0, A = 0, alpha = 0;
  double loss(double x) const;
};
struct PowerLawFit {
  PowerLaw law;
  double objective = 0;
  size_t n_points = 0;
  size_t starts = 0;
  std::vector<std::array<double, 3>> bootstrap_starts;  // (a, e, alpha): the optimum and distinct good starts
};
// Grid: a from grid.a, e from grid.e, alpha from grid.alpha. Needs >= 3 points.
PowerLawFit fit_power_law(const std::vector<double>& x, const std::vector<double>& loss, const FitOptions& options);
// The same objective minimised from `starts` only (a bootstrap resample's refit); the law has NaN fields
// when no start reaches a finite objective.
PowerLaw refit_power_law(const std::vector<double>& x, const std::vector<double>& loss,
                         const std::vector<std::array<double, 3>>& starts, const FitOptions& options);

// ---- compute-optimal allocation under C = 6 N D ----
struct Allocation {
  double G = 0;                      // (alpha A / (beta B))^(1/(alpha+beta))
  double n_exponent = 0;             // a = beta / (alpha + beta)
  double d_exponent = 0;             // b = alpha / (alpha + beta)
  double n_opt(double flops) const;  // G (C/6)^a
  double d_opt(double flops) const;  // G^-1 (C/6)^b
};
Allocation allocation(const ScalingLaw& law);

struct BudgetPrediction {
  double flops = 0, n_opt = 0, d_opt = 0, loss = 0;
};
BudgetPrediction predict_budget(const ScalingLaw& law, double flops);

// ---- IsoFLOP profiles: the fitted loss along N with D = C / (6N) ----
struct IsoflopProfile {
  double flops = 0;
  std::vector<double> n, d, loss;             // the sampled curve (log-spaced N)
  double n_min = 0, d_min = 0, loss_min = 0;  // numerical minimum (golden section in log N)
};
// Samples `samples` log-spaced N in [n_lo, n_hi] and locates the minimum (the profile is convex in log N).
IsoflopProfile isoflop_profile(const ScalingLaw& law, double flops, double n_lo, double n_hi, int samples = 200);
// `count` log-spaced budgets between the smallest and largest 6 N D of the data.
std::vector<double> isoflop_budgets(const Data& data, int count);

// Groups values into levels: sorted, a value within `rel_tol` of a level's first value joins it. Used to
// find "the runs at the largest D" and the per-D / per-N series of plots (D from tokens_processed may
// differ slightly between runs of the same nominal budget).
std::vector<std::vector<size_t>> group_levels(const std::vector<double>& values, double rel_tol = 0.02);

// ---- bootstrap ----
struct BootstrapOptions {
  size_t samples = 0;
  uint64_t seed = 0;
  // false: each resample is refitted from a reduced grid: the full-data optimum plus the initial points of
  // the `reduced_starts` best full-grid starts with distinct optima (fast, and it still covers the basins
  // the full grid found). true: every resample is refitted from the full grid.
  bool full_grid = false;
  size_t reduced_starts = 16;
};
struct BootstrapResult {
  std::vector<ScalingLaw> laws;  // one per resample, in resample order (deterministic for a seed)
  std::vector<double> objectives;
  size_t starts_per_fit = 0;
};
BootstrapResult bootstrap(const Data& data, const FitResult& best, const FitOptions& options,
                          const BootstrapOptions& bootstrap);

struct Interval {
  double lo = 0, hi = 0;
};
// Percentile interval (linear interpolation between order statistics); non-finite values are ignored.
Interval percentile_interval(std::vector<double> values, double lo_q = 0.025, double hi_q = 0.975);

}  // namespace sst::analysis::fit
