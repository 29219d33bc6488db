// Grouping runs into ablation groups (no LibTorch): runs whose config.ini agree on every key except the
// seed and the [output] section are replicates of one configuration; each group is compared with the
// baseline run's group.
#pragma once
#include <string>
#include <vector>

#include "analysis/runs/runs.h"

namespace sst::analysis::runs {

// Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value).
struct MeanStd {
  double mean = 0, std = 0;
  size_t n = 0;
};
MeanStd mean_std(const std::vector<double>& values);

// Keys left out of the comparison: train.seed and every output.* key, plus `extra` ("section.key", or
// "section.*" for a whole section).
bool ignored_config_key(const std::string& key, const std::vector<std::string>& extra);

struct ConfigDifference {
  std::string key;
  std::string baseline;  // "(absent)" when the baseline has no such key
  std::string value;     // "(absent)" when this group has no such key
};

struct AblationGroup {
  text::IniEntries config;                    // the shared config, ignored keys removed
  std::vector<size_t> runs;                   // indices into the runs given
  std::vector<std::string> seeds;             // train.seed of each run, same order
  std::vector<ConfigDifference> differences;  // versus the baseline group's config (empty for it)
  bool is_baseline = false;
  MeanStd dev_acc, dev_loss;  // over the runs that have a best dev result (n says how many)
};

struct Ablation {
  std::vector<AblationGroup> groups;  // the baseline group first, then in order of first appearance
};

// Throws UserError naming the run if a run has no config.ini. `baseline` indexes `runs`.
Ablation group_ablations(const std::vector<Run>& runs, size_t baseline, const std::vector<std::string>& extra_ignored);

}  // namespace sst::analysis::runs
