// One optimizer step on this rank (train_step), shared by the training loop and the benchmark.
#pragma once
#include <cstdint>

#include "train/run.h"

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

// One optimizer step; every rank calls it with the same `step`. A non-finite loss or gradient on any
// rank leaves the weights as they were (StepResult::nonfinite; the caller applies train.nan_policy).
StepResult train_step(Run& r, int64_t step);

}  // namespace sst
