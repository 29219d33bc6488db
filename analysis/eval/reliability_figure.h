// The reliability diagram of `evaluate` (and `report`), drawn through plot/plot.h (no LibTorch).
#pragma once
#include <string>

#include "analysis/eval/metrics.h"

namespace sst::analysis::eval {

// Accuracy per confidence bin against the diagonal, mean confidence per bin, and the number of examples
// per bin underneath. Writes STEM.{dat,gp,png,svg}; throws sst::UserError if gnuplot is missing or fails.
void write_reliability_figure(const std::string& stem, const Calibration& c);

}  // namespace sst::analysis::eval
