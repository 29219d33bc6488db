// `sst-analyze fit`: reads runs from a CSV (sweep.csv or any file with N, D and loss columns), fits the
// Chinchilla scaling law (scaling_fit.h), writes OUTPUT/fit.json atomically and the figures (fit_figures.h),
// and prints a short summary.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

struct FitCommandOptions {
  std::string input;
  std::string params_column = "params";
  std::string tokens_column = "tokens";
  std::string loss_column = "loss";
  std::string output = "fit_out";
  FitOptions fit;  // delta, grid, solver threads
  size_t exclude_top_k = 0;
  BootstrapOptions bootstrap;   // samples, seed, full or reduced grid
  std::vector<double> budgets;  // FLOPs for which N_opt, D_opt and the loss are predicted
  int isoflop_count = 5;        // IsoFLOP budgets spanning the data's 6ND range
  bool plots = true;
};

// Runs the whole command; returns what was written to OUTPUT/fit.json. Throws sst::UserError on bad input
// (the message names the file and line for CSV problems).
nlohmann::json run_fit(const FitCommandOptions& options, std::ostream& out);

// Command-line entry: `sst-analyze fit [options]` (argv[0] is the subcommand name). Exit status: 0 success,
// 1 bad input or environment, 2 usage error.
int fit_main(int argc, char** argv);

// One-line description for `sst-analyze --help`.
extern const char* const kFitSummary;

}  // namespace sst::analysis::fit
