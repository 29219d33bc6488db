// The numerical layer under every scaling law (analysis/fit's laws and approaches sit above it; it knows
// nothing of them): the Huber loss, Ceres' line-search L-BFGS behind one objective type and the multi-start
// over it, a parallel loop whose result does not depend on the thread count, and the bootstrap's portable
// resampling and reduced grid of starts.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

namespace sst::analysis::fit {

// Not a number: what a quantity holds when a fit could not determine it (shown as "-" or null downstream).
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Huber_delta(r) = r^2/2 for |r| <= delta, delta (|r| - delta/2) otherwise; psi = dHuber/dr and
// dpsi = d2Huber/dr2 (1 inside, 0 outside). Every law's objective sums it over log residuals.
struct Huber {
  double value, psi, dpsi;
};
inline Huber huber(double r, double delta) {
  if (std::abs(r) <= delta) return {0.5 * r * r, r, 1.0};
  return {delta * (std::abs(r) - 0.5 * delta), r > 0 ? delta : -delta, 0.0};
}

// Ceres line-search L-BFGS settings for each start.
// The tolerances are Ceres' defaults: on 256 synthetic points tightening them to 1e-10 changed the best
// objective by < 1e-9 (relative) and the parameters in the 5th digit, at 2.3x the run time.
struct SolverOptions {
  int max_iterations = 1000;          // Ceres' default of 50 stops some starts early
  double function_tolerance = 1e-6;   // relative change of the objective
  double gradient_tolerance = 1e-10;  // max-norm of the gradient
  double parameter_tolerance = 1e-8;  // relative step size
  int threads = 0;                    // starts are solved in parallel; 0 = hardware concurrency
};

// f(x, gradient or nullptr) -> value; a non-finite value (or gradient) tells the solver to step back.
using Objective = std::function<double(const double* x, double* gradient)>;
struct Minimum {
  std::vector<double> x;
  double objective = 0;  // f at x, recomputed there (infinity when not finite)
  int iterations = 0;
  bool converged = false;  // Ceres reported CONVERGENCE (not max iterations or a line-search failure)
};
// Ceres' line-search L-BFGS from `start` (the settings of `solver`, its threads ignored). Ceres' glog
// warnings are silenced once per process (thousands of starts would bury the summary); errors still print.
Minimum minimize_lbfgs(const Objective& f, int dimension, std::vector<double> start, const SolverOptions& solver);

// The multi-start every law uses: f minimised from each start, the starts spread over `solver.threads`;
// result i is start i's, so the outcome does not depend on the thread count.
template <size_t K>
std::vector<Minimum> minimize_from_each(const Objective& f, const std::vector<std::array<double, K>>& starts,
                                        const SolverOptions& solver);
// The index of the lowest objective (ties: the lowest index); `minima` must not be empty.
size_t lowest(const std::vector<Minimum>& minima);

// The bootstrap's reduced grid of a multi-start fit: `optimum`, then the initial points of the best starts
// (lowest objective first) whose optima differ by more than 1e-2 in some coordinate from every optimum
// already taken, at most `count` of them; starts[i] ended at finals[i] with objectives[i]. Refitting a
// resample from these is fast and still covers the basins the full grid found.
template <size_t K>
std::vector<std::array<double, K>> distinct_best_starts(const std::array<double, K>& optimum,
                                                        const std::vector<std::array<double, K>>& starts,
                                                        const std::vector<std::array<double, K>>& finals,
                                                        const std::vector<double>& objectives, size_t count);

// Runs body(0..n-1) on `threads` workers (0 = hardware concurrency). Each index is handled exactly once and
// results are written by index, so the outcome does not depend on the thread count. The first exception
// thrown by a body is rethrown after all workers stop.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& body);

// `samples` resamples of n indices with replacement, drawn in order from `seed` (portable: the same on every
// standard library).
std::vector<std::vector<size_t>> resample_indices(size_t n, size_t samples, uint64_t seed);

template <size_t K>
std::vector<Minimum> minimize_from_each(const Objective& f, const std::vector<std::array<double, K>>& starts,
                                        const SolverOptions& solver) {
  std::vector<Minimum> out(starts.size());
  parallel_for(starts.size(), solver.threads, [&](size_t i) {
    out[i] = minimize_lbfgs(f, static_cast<int>(K), std::vector<double>(starts[i].begin(), starts[i].end()), solver);
  });
  return out;
}

template <size_t K>
std::vector<std::array<double, K>> distinct_best_starts(const std::array<double, K>& optimum,
                                                        const std::vector<std::array<double, K>>& starts,
                                                        const std::vector<std::array<double, K>>& finals,
                                                        const std::vector<double>& objectives, size_t count) {
  std::vector<std::array<double, K>> out{optimum}, taken{optimum};
  std::vector<size_t> order(objectives.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return objectives[x] < objectives[y]; });
  for (size_t i : order) {
    if (out.size() > count || !std::isfinite(objectives[i])) break;
    const bool distinct = std::all_of(taken.begin(), taken.end(), [&](const std::array<double, K>& f) {
      for (size_t k = 0; k < K; ++k)
        if (std::abs(f[k] - finals[i][k]) > 1e-2) return true;
      return false;
    });
    if (!distinct) continue;
    out.push_back(starts[i]);
    taken.push_back(finals[i]);
  }
  return out;
}

}  // namespace sst::analysis::fit
