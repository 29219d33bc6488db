// `sst-analyze branches`: a cooldown-branch sweep against the full runs of the same points (branches.h):
// per branch its best dev loss, the full run's, their relative difference, and the compute the branches saved
// (OUTPUT/branches.json, branches.md).
#pragma once

namespace sst::analysis::runs {

int branches_main(int argc, char** argv);
extern const char* const kBranchesSummary;

}  // namespace sst::analysis::runs
