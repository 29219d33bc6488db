// summary.json: one record per run with what a scaling study needs (N, D, compute, best dev metrics,
// wall time) and what a reader needs to reproduce it (config, versions, world size). The trainer fills
// a RunSummary; sst-sweep (sweep.csv) and sst-analyze read one back. The JSON key of every field is
// its name here; keys absent from an older file read as their defaults.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rundir/run_dir.h"

namespace sst::rundir {

struct RunSummary {
  std::string run_name;
  RunStatus status = RunStatus::kCompleted;
  int64_t steps = 0;
  double epochs = 0;
  int64_t params = 0;
  int64_t non_embedding_params = 0;
  int64_t embedding_params = 0;
  double data_fraction = 1;
  int64_t train_examples = 0;
  int64_t train_tokens = 0;  // D: unique tokens of the train subset, as the model sees them
  int64_t tokens_processed = 0;
  int64_t examples_processed = 0;
  double flops = 0;  // 6 N_non-embedding tokens_processed (Kaplan et al. 2020)
  // JSON has no NaN: a value not measured (yet) is null.
  std::optional<double> best_dev_loss, best_dev_acc;
  int64_t best_step = -1;
  int64_t tokens_at_best = 0;        // tokens_processed when the best dev loss was measured
  double flops_at_best = 0;          // 6 N_non-embedding tokens_at_best: the compute the best loss took
  std::optional<double> lr_at_best;  // the LR of the best step (near the peak: the schedule had not annealed)
  std::string schedule;              // cosine | wsd
  double budget_tokens = 0;          // the token budget the run length followed (train.max_tokens / max_flops); 0: none
  double budget_flops = 0;           // 6 N_non-embedding budget_tokens; 0: none
  int64_t branch_step = -1;          // a cooldown branch: the step it started from its parent's snapshot; -1: none
  double flops_spent = 0;            // flops this run trained itself (a branch: without its parent's prefix)
  std::optional<double> final_dev_loss, final_dev_acc, final_train_loss;
  int64_t skipped_steps = 0;
  double wall_s = 0;
  int64_t world_size = 1;
  int64_t threads_per_rank = 1;
  std::string device, backend;
  std::string optimizer;                       // adamw | fused_adamw | fused_adamw_sharded
  int64_t optimizer_state_bytes_per_rank = 0;  // the AdamW moments one rank holds (shards are equal)
  int64_t sparse_embedding_steps = 0;          // steps (of the last process) whose embedding gradient went as rows
  int64_t sparse_counts_apart = 0;             // steps whose touched-row counts took an all-reduce apart
  uint64_t seed = 0;
  int64_t global_batch = 0;
  nlohmann::json model = nlohmann::json::object();  // the [model] section (model/config.h's fields)
  std::string data;                                 // the HDF5 file trained on
  nlohmann::json versions = nlohmann::json::object();
};

nlohmann::json to_json(const RunSummary& s);
// Throws UserError naming `source` when `j` is not an object or a field has the wrong type.
RunSummary summary_from_json(const nlohmann::json& j, const std::string& source);
// RUN_DIR/summary.json, or nullopt when there is none; a file that does not parse throws UserError.
std::optional<RunSummary> read_summary(const RunDir& dir);
void write_summary(const RunDir& dir, const RunSummary& s);  // atomically

// Every field's key, in file order.
std::vector<std::string> summary_keys();

}  // namespace sst::rundir
