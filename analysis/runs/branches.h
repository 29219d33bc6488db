// Cooldown branches against full runs (no LibTorch): a warmup-stable-decay sweep whose smaller budgets are
// cooldowns branched from a longer run's snapshot ([budget] cooldown_branches, Hägele et al. 2024) is
// compared, run by run, with a sweep that trained the same (model, budget, seed) points in full. The answer
// to "do branches give the losses of full runs, and what compute do they save?".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/runs/runs.h"

namespace sst::analysis::runs {

struct BranchPair {
  std::string name;  // the run name both sweeps share, e.g. n3_c1e11_s1
  int64_t branch_step = -1;
  double budget_flops = 0;
  double branch_loss = 0, reference_loss = 0;  // best dev loss
  double relative_difference = 0;              // branch / reference - 1 (negative: the branch is better)
  std::string branch_schedule, reference_schedule;
};

struct BranchComparison {
  std::vector<BranchPair> pairs;       // in the branch sweep's run order
  std::vector<std::string> unmatched;  // branches with no finished run of that name in the reference
  size_t runs = 0, branches = 0;       // of the branch sweep
  double flops_full = 0;               // sum of every run's flops: what training each point in full costs
  double flops_spent = 0;              // sum of flops_spent: what the sweep trained (branches without prefix)
  double mean_abs_relative = 0, max_abs_relative = 0, mean_relative = 0;  // over the pairs
  std::string worst;                                                      // the pair of max_abs_relative
  double saved_fraction() const { return flops_full > 0 ? 1 - flops_spent / flops_full : 0; }
};

// `sweep`: the branch sweep's runs, `reference`: the full runs, matched by run name. Throws UserError when a
// run of `sweep` has no summary.json or no best dev loss (an unfinished sweep), when `sweep` has no branch, or
// when no branch has a reference run.
BranchComparison compare_branches(const std::vector<Run>& sweep, const std::vector<Run>& reference);

}  // namespace sst::analysis::runs
