// The five figures of `sst-analyze fit` (drawn through plot/plot.h): loss vs N per D, loss vs D per N, residuals,
// IsoFLOP profiles, and N_opt / D_opt vs compute.
#pragma once
#include <string>
#include <vector>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

struct FitFigureInput {
  Data data;      // the points that were fitted
  Data excluded;  // points left out by --exclude-top-k (drawn in the residual plot only)
  ScalingLaw law;
  std::vector<IsoflopProfile> isoflops;
  std::vector<BudgetPrediction> budgets;  // --budget predictions (marked on the allocation plot)
  std::string n_name, d_name, loss_name;  // column names, for axis labels
};

// Writes DIR/{loss_vs_params,loss_vs_tokens,residuals,isoflop,compute_optimal}.{dat,gp,png,svg};
// returns the stems written (relative to DIR). Throws sst::UserError if gnuplot is missing or fails.
std::vector<std::string> write_fit_figures(const std::string& dir, const FitFigureInput& in);

}  // namespace sst::analysis::fit
