// The training run: setup, the step loop, evaluation, checkpoints, summary. See trainer.cpp.
#pragma once
#include "dist/world.h"
#include "train/config.h"

namespace sst {

// Runs (or resumes) one training job on this rank. Returns the process exit code:
// 0 finished, kExitCheckpointedRequeue after a stop signal. Throws UserError / CollectiveError.
int run_training(Config cfg, const dist::World& world);

}  // namespace sst
