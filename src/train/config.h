// Every sst-train option, declared once (config.cpp's table, and model/config.h's field table for
// [model]) with its default, help text and accepted values. Values come from an INI file (--config,
// sections [data] [model] [train] [output]) and are overridden on the command line as
// --section.key=value. A bad value fails at parse time naming its key; validate_config() checks only
// the rules that span several fields.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/enum_names.h"
#include "model/config.h"
#include "train/schedule.h"

namespace sst {

enum class Device { kAuto, kCpu, kCuda };
enum class NanPolicy { kStop, kSkip };   // a non-finite loss or gradient ends the run, or drops the step
enum class Toggle { kAuto, kOn, kOff };  // auto: the trainer decides (a helper thread: when it has a core)
enum class Precision { kFp32, kBf16 };   // bf16: autocast forward, fp32 weights, optimizer state, loss

template <>
struct EnumNames<Device> {
  static constexpr std::array<std::pair<Device, const char*>, 3> kNames{
      {{Device::kAuto, "auto"}, {Device::kCpu, "cpu"}, {Device::kCuda, "cuda"}}};
};
template <>
struct EnumNames<NanPolicy> {
  static constexpr std::array<std::pair<NanPolicy, const char*>, 2> kNames{
      {{NanPolicy::kStop, "stop"}, {NanPolicy::kSkip, "skip"}}};
};
template <>
struct EnumNames<Precision> {
  static constexpr std::array<std::pair<Precision, const char*>, 2> kNames{
      {{Precision::kFp32, "fp32"}, {Precision::kBf16, "bf16"}}};
};
template <>
struct EnumNames<Toggle> {
  static constexpr std::array<std::pair<Toggle, const char*>, 3> kNames{
      {{Toggle::kAuto, "auto"}, {Toggle::kOn, "true"}, {Toggle::kOff, "false"}}};
};

struct TrainConfig {
  uint64_t seed = 1;
  int64_t global_batch = 32;  // examples per optimizer step, summed over ranks and accumulation steps
  int64_t accum_steps = 1;
  double lr = 1e-3;
  double min_lr_ratio = 0.1;  // cosine decays to lr * min_lr_ratio
  int64_t warmup_steps = 100;
  int64_t max_steps = 0;  // 0: a budget (max_tokens, max_flops), else epochs * batches_per_epoch
  double epochs = 1.0;
  int64_t max_tokens = 0;  // a token budget (train/budget.h); 0 = none
  double max_flops = 0;    // a compute budget C = 6 N tokens; 0 = none
  ScheduleKind schedule = ScheduleKind::kCosine;
  double decay_fraction = 0.2;  // wsd: the cooldown's share of the run
  CooldownShape cooldown = CooldownShape::kOneMinusSqrt;
  std::string snapshot_budgets;  // wsd: keep the cooldown-start checkpoints of these budgets
  std::string branch_from;       // wsd: start from this run directory's snapshot (a cooldown branch)
  double weight_decay = 0.01;
  double grad_clip = 1.0;  // global L2 norm; 0 disables
  double label_smoothing = 0.0;
  double ema_decay = 0.0;  // > 0: evaluate (and keep as best.pt) an exponential moving average of the weights
  int64_t eval_every = 200;
  int64_t log_every = 20;
  int64_t checkpoint_every = 500;
  int64_t keep_checkpoints = 2;
  int64_t halt_at_step = 0;                  // checkpoint and exit 75 once this step is done (run in chunks); 0 = off
  int64_t patience = 0;                      // stop after this many evaluations without a better dev loss; 0 disables
  int64_t threads = 0;                       // intra-op threads per rank; 0: cores / ranks on this node
  int64_t bucket_window = 32;                // length bucketing: sort windows of this many batches by length; 0 = off
  double allreduce_bucket_mb = 4;            // gradient all-reduce bucket size
  Toggle overlap_allreduce = Toggle::kAuto;  // reduce gradient buckets during backward (MPI thread / NCCL stream)
  Toggle prefetch = Toggle::kAuto;           // prepare the next batch on a background thread
  bool fused_adamw = true;                   // AdamW over the flat buffers (false: torch::optim::AdamW per parameter)
  bool shard_optimizer = false;              // ZeRO-1: reduce-scatter, each rank updates its shard, all-gather
  Toggle sparse_embedding = Toggle::kAuto;   // token-embedding gradients as touched rows (auto: by size)
  Device device = Device::kAuto;
  Precision precision = Precision::kFp32;
  bool deterministic = false;  // deterministic kernels only (GPU runs repeat bit for bit; some ops are slower)
  NanPolicy nan_policy = NanPolicy::kStop;
  double memory_limit_gb = 0;  // refuse a run estimated to need more memory per node; 0 = what is available
  double gpu_memory_gb = 0;    // the same for the GPU each rank trains on; 0 = its free memory at the start
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
  bool tensorboard = false;     // also write the metrics as TensorBoard scalars (RUN_DIR/tensorboard/)
  std::string resume = "none";  // none | auto | PATH to a checkpoint
  BenchmarkOptions benchmark;
  std::string source_file;                        // the --config file, if any
  std::string resolved_ini;                       // every option with its final value, as INI
  std::vector<std::string> must_match_on_resume;  // keys a resumed run may not change (config.cpp's table)
};

enum class ParseOutcome { kRun, kHelpPrinted, kConfigPrinted };

// Parses argv (and the --config file) and validates the result; throws UserError naming the bad key
// or value and its source. With --help or --print-config it prints to stdout and says so.
ParseOutcome parse_config(int argc, const char* const* argv, Config& cfg);

// The rules that span several fields (heads divides d_model, epochs when max_steps = 0, ...).
void validate_config(const Config& cfg);

// The options this run sets differently from `checkpoint_ini` (a checkpoint's resolved config) among
// those a resumed run must keep, as "train.lr = 0.001 (checkpoint: 0.002)"; empty when none differ.
std::vector<std::string> changed_on_resume(const Config& cfg, const std::string& checkpoint_ini);

}  // namespace sst
