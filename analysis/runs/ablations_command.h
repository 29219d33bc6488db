// `sst-analyze ablations`: runs grouped by configuration (seed and [output] ignored), each group compared
// with the baseline's: what differs, how many seeds, dev accuracy and loss mean +- std over seeds.
// Writes OUTPUT/ablations.json and ablations.md (also printed).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/runs/ablation.h"

namespace sst::analysis::runs {

// Index of the baseline among `runs`: a run name, or a directory (loaded and appended if not among them).
size_t resolve_baseline(std::vector<Run>& runs, const std::string& name_or_dir);

nlohmann::json ablation_json(const std::vector<Run>& runs, const Ablation& a, const std::vector<std::string>& ignored);
std::string ablation_markdown(const std::vector<Run>& runs, const Ablation& a);

int ablations_main(int argc, char** argv);
extern const char* const kAblationsSummary;

}  // namespace sst::analysis::runs
