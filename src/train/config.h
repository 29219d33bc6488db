// Every sst-train option, declared once (config.cpp) with its default and help text.
// Values come from an INI file (--config, sections [data] [model] [train] [output]) and are
// overridden on the command line as --section.key=value.
#pragma once
#include <cstdint>
#include <string>

namespace sst {

struct ModelConfig {
  int64_t vocab_size = 0;  // taken from the dataset file, not configurable
  int64_t d_model = 128;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t ff_dim = 512;
  int64_t max_len = 64;  // positions, including the [CLS] token; longer sentences are truncated
  double dropout = 0.1;
  std::string pooling = "cls";       // "cls" or "mean"
  std::string position = "learned";  // "learned" position embedding, or "none" (a bag of tokens)
  double word_dropout = 0.0;         // training only: each real token is masked out like padding with this probability
};

struct TrainConfig {
  uint64_t seed = 1;
  int64_t global_batch = 32;  // examples per optimizer step, summed over ranks and accumulation steps
  int64_t accum_steps = 1;
  double lr = 1e-3;
  double min_lr_ratio = 0.1;  // cosine decays to lr * min_lr_ratio
  int64_t warmup_steps = 100;
  int64_t max_steps = 0;  // 0: epochs * batches_per_epoch
  double epochs = 1.0;
  double weight_decay = 0.01;
  double grad_clip = 1.0;  // global L2 norm; 0 disables
  double label_smoothing = 0.0;
  double ema_decay = 0.0;  // > 0: evaluate (and keep as best.pt) an exponential moving average of the weights
  int64_t eval_every = 200;
  int64_t log_every = 20;
  int64_t checkpoint_every = 500;
  int64_t keep_checkpoints = 2;
  int64_t halt_at_step = 0;        // checkpoint and exit 75 once this step is done (run in chunks); 0 = off
  int64_t patience = 0;            // stop after this many evaluations without a better dev loss; 0 disables
  int64_t threads = 0;             // intra-op threads per rank; 0: cores / ranks on this node
  int64_t bucket_window = 32;      // length bucketing: sort windows of this many batches by length; 0 = off
  double allreduce_bucket_mb = 4;  // gradient all-reduce bucket size
  // Background threads: "auto" turns them on when they have a core of their own (cores on the
  // node > ranks on the node x threads per rank) or the model is on a GPU; "true" / "false" force.
  std::string overlap_allreduce = "auto";  // reduce gradient buckets during backward (CPU / MPI)
  std::string prefetch = "auto";           // prepare the next batch on a background thread
  std::string device = "auto";             // auto | cpu | cuda
  std::string nan_policy = "stop";         // stop | skip
};

struct DataConfig {
  std::string path = "data/sst2.h5";
  double fraction = 1.0;         // nested subset of one fixed shuffled train order (scaling sweeps)
  uint64_t subset_seed = 12345;  // fixes that order; independent of train.seed
  bool preload = true;           // read the train and dev token ids into memory once
};

// sst-train --benchmark: time `steps` optimizer steps after `warmup` unmeasured ones; no
// evaluation, no checkpoints. Not part of the run's configuration.
struct BenchmarkOptions {
  bool enabled = false;
  int64_t steps = 30;
  int64_t warmup = 5;
};

struct Config {
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  std::string out_dir = "runs/default";
  std::string run_name;         // defaults to the out_dir's last component
  std::string resume = "none";  // none | auto | PATH to a checkpoint
  BenchmarkOptions benchmark;
  std::string source_file;   // the --config file, if any
  std::string resolved_ini;  // every option with its final value, as INI
};

enum class ParseOutcome { kRun, kHelpPrinted, kConfigPrinted };

// Parses argv (and the --config file); throws UserError naming the bad key/value and its source.
// With --help or --print-config it prints to stdout and says so in the outcome.
ParseOutcome parse_config(int argc, const char* const* argv, Config& cfg);

// Checks values that do not depend on the data or the world size (heads | d_model, lr > 0, ...).
void validate_config(const Config& cfg);

// The [model] section only: two checkpoints with the same signature hold interchangeable models.
std::string model_signature(const ModelConfig& m);

}  // namespace sst
