// Checkpoints: everything that shapes the rest of a run, in one file per step.
//   model parameters (and their moving average, with train.ema_decay), AdamW moments and step
//   counts, the train state (step -> LR position and sampler position, since both are functions of
//   the step), best-so-far tracking, counters, the config and the tokenizer (so sst-analyze needs
//   nothing else).
// Dropout randomness is reseeded every step from (seed, rank, step), so the step also restores the
// RNG streams; the seed is stored and checked.
//
// Layout in RUN_DIR/checkpoints/: step_XXXXXXXX.pt (the last K kept), best.pt, and manifest.json
// listing each file with its step and SHA-256. Files are written to a temporary name, fsync'ed and
// renamed; on resume the manifest's hashes are verified and a damaged newest checkpoint is reported
// and skipped in favour of the previous valid one.
#pragma once
#include <torch/torch.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dataset/tokenizer_info.h"
#include "model/config.h"
#include "model/transformer.h"
#include "rundir/run_dir.h"

namespace sst {

struct TrainState {
  int64_t step = 0;  // optimizer steps completed
  double best_dev_loss = std::numeric_limits<double>::infinity();
  double best_dev_acc = 0.0;
  int64_t best_step = -1;
  int64_t evals_without_improvement = 0;
  int64_t tokens_processed = 0;       // non-pad tokens seen in training, all ranks
  int64_t best_tokens_processed = 0;  // tokens_processed at best_step
  int64_t branch_step = -1;           // a cooldown branch: the step it started from (train.branch_from)
  int64_t branch_tokens = 0;          // ... and the tokens processed before it (trained by the parent run)
  int64_t examples_processed = 0;
  int64_t skipped_steps = 0;  // non-finite steps dropped under nan_policy = skip
  double wall_s = 0.0;        // training wall time before this process started
};

struct CheckpointMeta {
  TrainState state;
  ModelConfig model;
  std::string config_ini;
  dataset::TokenizerInfo tokenizer;
  uint64_t seed = 0;
  int64_t world_size = 1;
};

// Writes one checkpoint atomically, with the weight average if one is given. Refuses (UserError)
// if any parameter is NaN/Inf.
void save_checkpoint(const std::string& path, TransformerClassifier& model, torch::optim::Optimizer* optimizer,
                     const CheckpointMeta& meta, TransformerClassifier average = nullptr);
// Reads the metadata only (no model needed): to rebuild the model in sst-analyze.
CheckpointMeta read_checkpoint_meta(const std::string& path);
// Loads parameters (and optimizer state and the weight average, if given) into objects built for
// meta.model; tensors are mapped to the model's device.
CheckpointMeta load_checkpoint(const std::string& path, TransformerClassifier& model,
                               torch::optim::Optimizer* optimizer, const torch::Device& device,
                               TransformerClassifier average = nullptr);
// The weights the run evaluated: the weight average if the checkpoint has one, else the trained
// weights (for sst-analyze).
CheckpointMeta load_evaluated_weights(const std::string& path, TransformerClassifier& model,
                                      const torch::Device& device);

class CheckpointStore {
 public:
  CheckpointStore(const rundir::RunDir& run_dir, int64_t keep);
  const std::string& dir() const { return dir_; }
  // Saves step_<step>.pt, records it in the manifest, removes all but the newest `keep`.
  std::string save_step(TransformerClassifier& model, torch::optim::Optimizer& opt, const CheckpointMeta& meta,
                        TransformerClassifier average = nullptr);
  std::string save_best(TransformerClassifier& model, torch::optim::Optimizer& opt, const CheckpointMeta& meta,
                        TransformerClassifier average = nullptr);
  // Newest checkpoint whose file matches its manifest hash; each damaged one is described in `problems`.
  std::optional<std::string> newest_valid(std::vector<std::string>& problems) const;

 private:
  std::string save_named(const std::string& file, int64_t step, TransformerClassifier& model,
                         torch::optim::Optimizer& opt, const CheckpointMeta& meta, TransformerClassifier average,
                         bool rotate);
  std::string dir_, manifest_;
  int64_t keep_;
};

}  // namespace sst
