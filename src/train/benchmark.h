// sst-train --benchmark: times real training steps (same setup and train_step as training) and
// reports a per-rank breakdown plus examples/s and non-pad tokens/s over a steady state.
#pragma once
#include "comm/world.h"
#include "train/config.h"

namespace sst {

// Writes OUT_DIR/benchmark.json and OUT_DIR/batches.txt (the global batches of the timed run, one
// line of train example ids per step, warm-up steps first: bench/reference_train.py replays them).
int run_benchmark(Config cfg, const comm::World& world);

}  // namespace sst
