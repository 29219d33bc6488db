// The figures of `curves` (and `report`), drawn through plot/plot.h (no LibTorch).
#pragma once
#include <string>
#include <vector>

#include "analysis/runs/runs.h"

namespace sst::analysis::runs {

// Training loss, dev loss and dev accuracy of every run (one colour per run, legend = run name), in
// DIR/curves_steps (x = optimizer step) and DIR/curves_tokens (x = tokens processed). Returns the stems
// written, relative to DIR. Throws sst::UserError if gnuplot is missing or fails.
std::vector<std::string> write_curves_figures(const std::string& dir, const std::vector<Run>& runs);

}  // namespace sst::analysis::runs
