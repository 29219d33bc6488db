// Chinchilla's approaches 1 and 2 (Hoffmann et al. 2022, sections 3.1 and 3.2), from the same sweep outputs as
// the parametric fit (approach 3, scaling_fit.h / varpro.h); each gives the allocation exponents a and b of
// N_opt ∝ C^a, D_opt ∝ C^b.
//
// Approach 1, the lower envelope of training curves: every run's curve is its best dev loss so far against
// the compute spent, C = 6 N tokens. At log-spaced C levels (where at least two runs have a point) the run
// with the lowest loss reached with at most that compute is the compute-optimal one (a run that ended
// earlier keeps its best loss, so the envelope is non-increasing in C); log N_opt and
// log D_opt = log(C / 6 N_opt) are fitted linearly in log C. Caveat: a run's loss part-way through its LR
// schedule is above what a run of that length would reach, which is why Chinchilla used four schedule lengths
// per size.
//
// Approach 2, IsoFLOP profiles: runs grouped by their compute budget C (a [budget] flops sweep); per budget a
// parabola in log N is fitted to the losses, its minimum is N_opt(C) (when the sizes bracket it),
// and log N_opt is fitted linearly in log C; D_opt = C / (6 N_opt), so b = 1 - a.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

// y = k x^exponent by least squares in logs.
struct PowerFit {
  double exponent = NAN, log_coefficient = NAN;  // NaN: not fitted
  size_t n_points = 0;
  double at(double x) const;
};
// NaN exponent with fewer than 2 points or a single x.
PowerFit fit_power(const std::vector<double>& x, const std::vector<double>& y);

// ---- approach 1 ----
struct Curve {
  double n = 0;                     // the run's N
  std::vector<double> flops, loss;  // evaluations in order: C = 6 N tokens, dev loss
};
struct EnvelopePoint {
  double flops = 0, loss = 0, n = 0, d = 0;
  size_t run = 0;  // index into the curves
};
struct EnvelopeResult {
  std::vector<EnvelopePoint> points;
  PowerFit n_opt, d_opt;
  size_t distinct_sizes = 0;  // model sizes that are optimal somewhere
};
EnvelopeResult lower_envelope(const std::vector<Curve>& curves, int levels = 60);

// ---- approach 2 ----
struct IsoflopFit {
  double flops = 0;
  std::vector<size_t> runs;  // indices into the inputs
  size_t distinct_sizes = 0;
  double c0 = 0, c1 = 0, c2 = 0;  // loss = c0 + c1 u + c2 u^2, u = log N
  bool has_minimum = false;       // c2 > 0 and at least 3 sizes
  // The sizes bracket the minimum: the lowest mean loss is at neither the smallest nor the largest size, and
  // the vertex lies between them. A profile that only falls (or only rises) puts the vertex wherever the
  // curvature of its points does: that N_opt is an extrapolation, so it is not used.
  bool bracketed = false;
  double n_opt = 0, loss_opt = 0;
  double loss_at(double n) const;
};
struct IsoflopResult {
  std::vector<IsoflopFit> budgets;  // by increasing C
  PowerFit n_opt, d_opt;            // over the budgets with a bracketed minimum
  size_t used = 0;
};
// `budget[i]`: run i's nominal compute budget (runs of one budget share the value exactly).
IsoflopResult isoflop_parabolas(const std::vector<double>& budget, const std::vector<double>& n,
                                const std::vector<double>& loss);

// ---- bootstrap of the allocation exponent a (b follows as for the point estimate) ----
// Runs resampled with replacement (approach 1), or within each budget (approach 2); NaN where a resample
// leaves the exponent undetermined.
std::vector<double> bootstrap_envelope(const std::vector<Curve>& curves, size_t samples, uint64_t seed, int threads);
std::vector<double> bootstrap_isoflop(const std::vector<double>& budget, const std::vector<double>& n,
                                      const std::vector<double>& loss, size_t samples, uint64_t seed, int threads);

}  // namespace sst::analysis::fit
