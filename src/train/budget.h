// A run's length and where its cooldown branches start.
//
// The length is train.max_steps when given; else a budget: train.max_tokens, or train.max_flops = C,
// which is C / (6 N) tokens with N the non-embedding parameters (the convention of summary.json's flops,
// Kaplan et al. 2020); else train.epochs. A budget of T tokens is the first step count whose batches hold
// at least T non-pad tokens: the batch sequence is a function of the seed (shard/sampler.h), so the tokens
// of every step are known before training, and the run length is fixed before the first step (the LR
// schedule spans it, resume stays exact, any world size gives the same steps) while the tokens processed
// exceed T by less than one step. (Counting steps by the mean length instead would miss short budgets by
// several percent: with length bucketing a batch holds sentences of one length.) Data are cycled (more
// epochs) as the budget needs.
//
// Cooldown branches (train.schedule = wsd): a run with train.snapshot_budgets keeps, for each listed
// budget b, the checkpoint at the step where a wsd run of budget b starts its cooldown; a run of budget b
// with train.branch_from = that run's directory starts from it. Before that step both runs had the same
// LR (the peak) and the same batches, so the branch is the run of budget b, without retraining its prefix.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/config.h"
#include "train/schedule.h"

namespace sst {

// The most optimizer steps a run may have, however its length is given (max_steps, a budget, epochs):
// every length is checked against it before setup counts steps one by one, so no value (max_flops =
// 1e300, epochs = 1e30) can make setup loop for hours where a stop signal is not yet looked at, or
// overflow into a run of one step. The option table bounds each value too (config.cpp).
constexpr int64_t kMaxRunSteps = 100'000'000;

struct RunLength {
  int64_t steps = 0;
  double budget_tokens = 0;  // the token budget the steps were derived from; 0: none
  double budget_flops = 0;   // 6 N budget_tokens; 0: none
};

// "1e13, 3e13" -> {1e13, 3e13}; throws UserError naming `key` unless every item is a positive number.
std::vector<double> parse_budget_list(const std::string& list, const std::string& key);

// The non-pad tokens of global batch `step` (all ranks).
using StepTokens = std::function<int64_t(int64_t step)>;

// The smallest step count whose batches hold at least `tokens` tokens (at least 1); throws UserError
// past kMaxRunSteps.
int64_t steps_for_tokens(double tokens, const StepTokens& step_tokens);

// The token budget a budget value means for this run (`value` in the unit of its own budget: FLOPs when
// train.max_flops is set, else tokens).
double budget_in_tokens(const TrainConfig& t, double value, int64_t n_params);

// `n_params`: the non-embedding parameters; `batches_per_epoch`: full global batches per epoch. Throws
// UserError naming the option, its value and the limit when the run would be longer than kMaxRunSteps.
RunLength run_length(const TrainConfig& t, int64_t batches_per_epoch, const StepTokens& step_tokens, int64_t n_params);

// The LR schedule spanning `total_steps`.
LrSchedule make_schedule(const TrainConfig& t, int64_t total_steps);

// Sorted, distinct steps at which the snapshots of train.snapshot_budgets are taken (each budget's wsd
// cooldown start); empty without snapshot budgets.
std::vector<int64_t> snapshot_steps(const TrainConfig& t, const StepTokens& step_tokens, int64_t n_params);

// The snapshot a cooldown branch (train.branch_from) starts from: the parent's checkpoint at this run's
// cooldown start. Throws UserError when it is not there (the parent has not reached it, or was not run
// with this budget in train.snapshot_budgets).
std::string branch_snapshot(const TrainConfig& t, const LrSchedule& schedule);
std::string branch_snapshot_path(const TrainConfig& t, const LrSchedule& schedule);  // without the check

}  // namespace sst
