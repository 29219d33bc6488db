// Helpers shared by scaling_fit.cpp and scaling_analysis.cpp; not part of the public API.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

// Runs body(0..n-1) on `threads` workers (0 = hardware concurrency). Each index is handled exactly once and
// results are written by index, so the outcome does not depend on the thread count. The first exception
// thrown by a body is rethrown after all workers stop.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& body);

// f(x, gradient or nullptr) -> value; a non-finite value (or gradient) tells the solver to step back.
using Objective = std::function<double(const double* x, double* gradient)>;
struct Minimum {
  std::vector<double> x;
  double objective = 0;  // f at x (infinity when not finite)
  bool converged = false;
};
// Ceres' line-search L-BFGS from `start` (the settings of `solver`, its threads ignored).
Minimum minimize_lbfgs(const Objective& f, int dimension, std::vector<double> start, const SolverOptions& solver);

// `samples` resamples of n indices with replacement, drawn in order from `seed` (portable: the same on every
// standard library).
std::vector<std::vector<size_t>> resample_indices(size_t n, size_t samples, uint64_t seed);
Data subset(const Data& data, const std::vector<size_t>& indices);

}  // namespace sst::analysis::fit
