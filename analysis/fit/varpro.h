// Chinchilla's approach 3 by variable projection, with bounds.
//
// The objective is the one of scaling_fit.h (Hoffmann et al. 2022, appendix D.2):
//   h(E, A, B, alpha, beta) = sum_i Huber_delta(log(E + A N_i^-alpha + B D_i^-beta) - log L_i).
// For fixed (alpha, beta) the law is linear in (E, A, B), so the inner problem
//   F(alpha, beta) = min_{E, A, B >= 0} h(E, A, B, alpha, beta)
// has three unknowns whose model is linear: it is solved by iteratively reweighted non-negative least squares
// (the Huber weights psi(r)/r, a Gauss-Newton step on the log residual, an exact 3-variable NNLS) polished by
// Newton steps on the free variables. Only (alpha, beta) are searched: a coarse grid over
// [0, exponent_max]^2 (warm-started, serpentine order), then projected Newton from the best local minima of
// the grid, with the gradient of F from the envelope theorem (dF/dalpha = dh/dalpha at the inner optimum)
// and its Hessian by central differences of that gradient.
//
// Where the optimum is interior it is the minimum the multi-start L-BFGS of scaling_fit.h finds, at a small
// fraction of the work (tests/analysis/fit/test_varpro.cpp, bench/RESULTS.md). Unlike it, the search is
// bounded: exponents in [0, exponent_max], E, A, B >= 0; a result on a bound is reported as such.
#pragma once
#include <cstddef>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

struct VarProOptions {
  double delta = 1e-3;
  double exponent_max = 3.0;  // alpha and beta are searched in [0, exponent_max]
  int grid = 16;              // coarse grid points per exponent (a step of 0.2 for exponent_max 3)
  int refine = 3;             // local minima of the grid refined by Newton
};

// The linear part at fixed exponents: the best (E, A, B) >= 0 and the objective there.
struct LinearPart {
  double E = 0, A = 0, B = 0;
  double objective = 0;
};
LinearPart solve_linear_part(const Data& data, double alpha, double beta, double delta,
                             const LinearPart* warm = nullptr);

struct VarProResult {
  ScalingLaw law;
  double objective = 0;
  size_t n_points = 0;
  size_t profile_evaluations = 0;                       // inner solves (grid + refinement)
  bool alpha_on_bound = false, beta_on_bound = false;   // at 0 or exponent_max
  bool E_zero = false, A_zero = false, B_zero = false;  // a linear coefficient at its bound 0
};

// Throws UserError for invalid data, fewer than 5 points, or bad options.
VarProResult fit_varpro(const Data& data, const VarProOptions& options = {});

}  // namespace sst::analysis::fit
