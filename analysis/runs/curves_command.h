// `sst-analyze curves`: training loss, dev loss and dev accuracy of one or more runs, against steps and
// against tokens processed (OUTPUT/curves_steps.*, curves_tokens.*, curves.json).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/runs/runs.h"

namespace sst::analysis::runs {

// Draws the curves of `runs` into `output` and writes curves.json; returns its content.
nlohmann::json run_curves(const std::vector<Run>& runs, const std::string& output, std::ostream& out);

int curves_main(int argc, char** argv);
extern const char* const kCurvesSummary;

}  // namespace sst::analysis::runs
