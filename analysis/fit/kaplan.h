// Kaplan et al. (2020), "Scaling Laws for Neural Language Models", eq. (1.5): the alternative parametric form
//   L(N, D) = [ (N_c / N)^(alpha_N / alpha_D) + D_c / D ]^alpha_D
// (no irreducible term), fitted like the Chinchilla law (Huber loss on log L, multi-start L-BFGS), in the
// variables (log N_c, log D_c, alpha_N, alpha_D) with
//   log L = alpha_D * LSE((alpha_N / alpha_D)(log N_c - log N), log D_c - log D).
// Under C = 6 N D it allocates N_opt ∝ C^(alpha_D / (alpha_N + alpha_D)), D_opt ∝ C^(alpha_N / (alpha_N + alpha_D))
// (minimise (N_c/N)^(alpha_N/alpha_D) + 6 D_c N / C over N).
#pragma once
#include <array>
#include <cstddef>
#include <vector>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

struct KaplanLaw {
  double Nc = 0, Dc = 0, alpha_N = 0, alpha_D = 0;
  double log_loss(double n, double d) const;
  double loss(double n, double d) const;
  double n_exponent() const;  // a = alpha_D / (alpha_N + alpha_D); NaN unless both exponents are > 0
  double d_exponent() const;  // b = alpha_N / (alpha_N + alpha_D)
};

using KaplanTheta = std::array<double, 4>;  // (log N_c, log D_c, alpha_N, alpha_D)

struct KaplanFit {
  KaplanLaw law;
  KaplanTheta theta{};
  double objective = 0;
  size_t n_points = 0;
  std::vector<KaplanTheta> starts, finals;  // every start and where it ended
  std::vector<double> objectives;           // per start
};

// log N_c, log D_c in {0, 10, ..., 40}, alpha_N, alpha_D in {0.05, 0.1, 0.3, 0.6, 1}: 625 starts.
std::vector<KaplanTheta> kaplan_starts();
double kaplan_objective(const Data& data, const KaplanTheta& theta, double delta, KaplanTheta* gradient = nullptr);
// Throws UserError for invalid data, fewer than 4 points, or no finite optimum.
KaplanFit fit_kaplan(const Data& data, double delta, const SolverOptions& solver,
                     const std::vector<KaplanTheta>& starts = kaplan_starts());
// For the bootstrap: the optimum and the starts of the best distinct optima of a full fit.
std::vector<KaplanTheta> kaplan_reduced_starts(const KaplanFit& fit, size_t count);

}  // namespace sst::analysis::fit
