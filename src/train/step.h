// What every rank holds during training (Run), how it is built (setup), and one optimizer step
// (train_step). Shared by the training loop (trainer.cpp) and the benchmark (benchmark.cpp).
#pragma once
#include <torch/torch.h>

#include <memory>

#include "data/batch.h"
#include "data/dataset_file.h"
#include "data/prefetcher.h"
#include "data/sampler.h"
#include "dist/communicator.h"
#include "dist/grad_sync.h"
#include "dist/world.h"
#include "model/transformer.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/schedule.h"
#include "train/weight_average.h"

namespace sst {

// Seconds spent in each phase of one step on this rank.
struct PhaseTimes {
  double data = 0;  // waiting for this step's batches (reading + padding not hidden by prefetch)
  double forward = 0;
  double backward = 0;   // includes launching the bucket all-reduces that overlap it
  double allreduce = 0;  // waiting for gradient all-reduces after backward (communication not hidden)
  double wait = 0;       // the small control all-reduce: mostly waiting for the slowest rank
  double optimizer = 0;  // clipping + AdamW
  double total() const { return data + forward + backward + allreduce + wait + optimizer; }
};

struct StepResult {
  double loss = 0;  // mean over the global batch
  double grad_norm = 0;
  int64_t tokens = 0, examples = 0, truncated = 0, padded_tokens = 0;  // summed over ranks
  bool nonfinite = false, stop = false;
  PhaseTimes times;  // this rank's
};

struct Run {
  Config cfg;
  dist::World world;
  torch::Device device = torch::kCPU;
  std::unique_ptr<data::DatasetFile> file;
  std::unique_ptr<data::SplitReader> train, dev;
  std::unique_ptr<data::GlobalBatchSampler> sampler;  // used by the prefetcher's thread only, once training runs
  TransformerClassifier model{nullptr};
  TransformerClassifier average{nullptr};  // train.ema_decay > 0: the weights that are evaluated
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::unique_ptr<dist::Communicator> comm;
  std::unique_ptr<dist::GradientSynchronizer> grads;
  std::unique_ptr<data::BatchPrefetcher> batches;
  LrSchedule schedule{};
  int64_t total_steps = 0;
  int64_t train_tokens = 0;  // unique tokens in the train subset, as the model sees them (D)
  TrainState state;
  bool sync_timers = false;  // wait for the GPU at phase boundaries (benchmark mode)
  // Fault injection for tests (env SST_INJECT_NAN_AT_STEP, SST_INJECT_NAN_RANK): this rank's loss
  // becomes NaN at that step, to exercise train.nan_policy end to end.
  int64_t inject_nan_step = 0;
  int inject_nan_rank = 0;
};

// Everything before the first step: data, sampler, model, optimizer, communicator, input pipeline.
void setup(Run& r);

// One optimizer step on this rank; every rank calls it with the same `step`.
StepResult train_step(Run& r, int64_t step);

}  // namespace sst
