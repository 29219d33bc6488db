// summary.json: one record per run with what a scaling study needs (N, D, compute, best dev
// metrics, wall time) and what a reader needs to reproduce it (config, versions, world size).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "model/transformer.h"
#include "train/checkpoint.h"
#include "train/config.h"

namespace sst {

struct SummaryInputs {
  const Config& cfg;
  TransformerClassifier& model;
  const TrainState& state;
  int64_t train_tokens;  // D: unique tokens in the train subset, as the model sees them
  int64_t batches_per_epoch;
  std::string status;  // completed | early_stopped | preempted
  double final_dev_loss, final_dev_acc, final_train_loss;
  int world_size, threads_per_rank;
  std::string device, backend;
};

void write_summary(const std::string& path, const SummaryInputs& s);

// The [model] section as a JSON object (summary.json's "model", also in benchmark.json).
nlohmann::json model_json(const ModelConfig& m);

}  // namespace sst
