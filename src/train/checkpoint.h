// Checkpoints: everything that shapes the rest of a run, in one file per step.
//   model parameters (and their moving average, with train.ema_decay), the full AdamW moments and
//   step counts (in torch::optim::AdamW's format whichever optimizer ran, gathered from all ranks when
//   sharded, so a checkpoint resumes on any world size, sharded or not), the train state (step -> LR position and
//   sampler position, since both are functions of the step), best-so-far tracking, counters, the config and the
//   tokenizer (so sst-analyze needs nothing else).
// Dropout randomness is reseeded every step from (seed, rank, step), so the step also restores the
// RNG streams; the seed is stored and checked.
//
// Each file carries its own SHA-256 (of its content, format 2), so a checkpoint is verified without
// anything else; files are serialized in memory, written to a temporary name with every write and
// the fsync checked, and renamed. The run directory's set of checkpoints: train/checkpoint_store.h.
#pragma once
#include <torch/torch.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dataset/tokenizer_info.h"
#include "model/config.h"
#include "model/transformer.h"
#include "train/optimizer.h"

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
  double last_train_loss = std::numeric_limits<double>::quiet_NaN();  // of the last step trained
};

struct CheckpointMeta {
  TrainState state;
  ModelConfig model;
  std::string config_ini;
  dataset::TokenizerInfo tokenizer;
  // With the tokenizer, the identity of the data the run trained on (dataset/data_identity.h): the
  // data file's schema version; 0 = not recorded (checkpoints written before it was kept).
  int32_t data_schema_version = 0;
  // The data file's class names in id order (model.num_classes of them); checkpoints written before
  // they were kept read as "0" .. "K-1".
  std::vector<std::string> class_names;
  uint64_t seed = 0;
  int64_t world_size = 1;
};

// What a checkpoint's field table says about a field besides its value.
struct MetaField {
  const char* key;  // the archive key; never renamed, so every checkpoint written still loads
  // In every checkpoint. The one back-compat rule, shared with ModelField::since_v1: a field that is
  // not (it was added later) and that a checkpoint lacks reads as its default, the member initializer
  // above; a since_v1 field a checkpoint lacks makes it "not an sst-train checkpoint".
  bool since_v1;
};

// The training state's one field table: calls f(const MetaField&, field) for every field of `s`
// (TrainState or const TrainState), in order. save_checkpoint writes and read_checkpoint_meta reads
// exactly these; a TrainState member missing here would not survive a resume.
template <typename S, typename F>
void for_each_state_field(S& s, F&& f) {
  f(MetaField{"meta/step", true}, s.step);
  f(MetaField{"meta/best_dev_loss", true}, s.best_dev_loss);
  f(MetaField{"meta/best_dev_acc", true}, s.best_dev_acc);
  f(MetaField{"meta/best_step", true}, s.best_step);
  f(MetaField{"meta/evals_without_improvement", true}, s.evals_without_improvement);
  f(MetaField{"meta/tokens_processed", true}, s.tokens_processed);
  f(MetaField{"meta/best_tokens_processed", false}, s.best_tokens_processed);  // scaling budgets
  f(MetaField{"meta/branch_step", false}, s.branch_step);                      // cooldown branches
  f(MetaField{"meta/branch_tokens", false}, s.branch_tokens);
  f(MetaField{"meta/examples_processed", true}, s.examples_processed);
  f(MetaField{"meta/skipped_steps", true}, s.skipped_steps);
  f(MetaField{"meta/wall_s", true}, s.wall_s);
  f(MetaField{"meta/last_train_loss", false}, s.last_train_loss);
}

// The training state and the scalars it travels with (CheckpointMeta minus the model config and the
// tokenizer, which have tables of their own), in order.
template <typename M, typename F>
void for_each_meta_field(M& m, F&& f) {
  for_each_state_field(m.state, f);
  f(MetaField{"meta/seed", true}, m.seed);
  f(MetaField{"meta/world_size", true}, m.world_size);
  f(MetaField{"meta/config_ini", true}, m.config_ini);
  f(MetaField{"data/schema_version", false}, m.data_schema_version);  // 0 (its default): not recorded
  // One line per class; a list that does not have model.num_classes names reads as "0" .. "K-1".
  f(MetaField{"data/class_names", false}, m.class_names);
}

// Writes one checkpoint atomically, with the weight average if one is given. Refuses (UserError)
// if any parameter is NaN/Inf; a failed write (a full disk) is a UserError naming the file and the
// free space, and leaves no temporary behind.
void save_checkpoint(const std::string& path, TransformerClassifier& model, Optimizer* optimizer,
                     const CheckpointMeta& meta, TransformerClassifier average = nullptr);
enum class CheckpointIntegrity {
  kVerified,  // its content matches its own SHA-256
  kNoDigest,  // format 1 (before checkpoints carried a digest): only the manifest's hash can vouch for it
};
// Throws UserError saying what is wrong with a missing, truncated or damaged file.
CheckpointIntegrity verify_checkpoint(const std::string& path);
// Reads the metadata only (no model needed): to rebuild the model in sst-analyze.
CheckpointMeta read_checkpoint_meta(const std::string& path);
// The metadata of a content archive the caller opened (the "sst/content" entry of a format-2 file);
// a UserError if its tensors are not in host memory. For tests of that rule.
CheckpointMeta read_archive_meta(torch::serialize::InputArchive& content, const std::string& path);
// Loads parameters (and optimizer state and the weight average, if given) into objects built for
// meta.model. The file is read into host memory and every tensor is copied into the live one, under
// no-grad, wherever it lives (CPU or GPU): parameters keep their storage (views into the gradient
// synchronizer's flat buffer stay views), their gradient accumulators (so its hooks keep firing) and
// their device, whichever device wrote the checkpoint.
CheckpointMeta load_checkpoint(const std::string& path, TransformerClassifier& model, Optimizer* optimizer,
                               TransformerClassifier average = nullptr);
// The weights the run evaluated: the weight average if the checkpoint has one, else the trained
// weights (for sst-analyze); copied into `model` as load_checkpoint does.
CheckpointMeta load_evaluated_weights(const std::string& path, TransformerClassifier& model);

}  // namespace sst
