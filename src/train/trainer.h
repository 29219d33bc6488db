// The training run: setup, the step loop, evaluation, checkpoints, summary. See trainer.cpp.
#pragma once
#include "comm/world.h"
#include "train/config.h"

namespace sst {

// Runs (or resumes) one training job on this rank. Returns the process exit code:
// 0 finished, kExitCheckpointedRequeue after a stop signal. Throws UserError / CollectiveError.
int run_training(Config cfg, const comm::World& world);

}  // namespace sst
