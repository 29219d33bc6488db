// Grouping runs into ablation groups (no LibTorch): runs whose config.ini agree on every key except the
// seed and the [output] section, and that ran on as many ranks with as many threads (summary.json), are
// replicates of one configuration; each group is compared with the baseline run's group. A group's
// spread is over its distinct seed values: runs that share a seed count once (their mean).
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

// The execution layout a run had, compared as two more keys: summary.json's world_size and
// threads_per_rank (what ran; config.ini's train.threads, what was asked, is left out). A run without
// summary.json has neither key and joins the first group whose config.ini it shares.
inline constexpr const char* kWorldSizeKey = "world_size";
inline constexpr const char* kThreadsKey = "threads_per_rank";
// "world size" for kWorldSizeKey, "threads per rank" for kThreadsKey, other keys as they are.
std::string difference_name(const std::string& key);

struct ConfigDifference {
  std::string key;
  std::string baseline;  // "(absent)" when the baseline has no such key
  std::string value;     // "(absent)" when this group has no such key
};

struct AblationGroup {
  text::IniEntries config;                    // the shared config, ignored keys removed
  text::IniEntries layout;                    // world_size and threads_per_rank; empty when no run knows them
  std::vector<size_t> runs;                   // indices into the runs given
  std::vector<std::string> seeds;             // train.seed of each run, same order ("?" when absent)
  size_t distinct_seeds = 0;                  // seed values ("?" runs count one each)
  std::vector<ConfigDifference> differences;  // versus the baseline group's config (empty for it)
  bool is_baseline = false;
  MeanStd dev_acc, dev_loss;  // over the seeds with a best dev result (n says how many), each the mean of its runs
};

struct Ablation {
  std::vector<AblationGroup> groups;  // the baseline group first, then in order of first appearance
};

// Throws UserError naming the run if a run has no config.ini. `baseline` indexes `runs`.
Ablation group_ablations(const std::vector<Run>& runs, size_t baseline, const std::vector<std::string>& extra_ignored);

}  // namespace sst::analysis::runs
