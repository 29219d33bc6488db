// SIGTERM / SIGUSR1 (what Slurm sends before a time limit or preemption) only set a flag here; the
// trainer all-reduces it at the next step boundary so every rank checkpoints and stops together.
#pragma once

namespace sst {

// Exit code meaning "checkpointed after a stop signal: requeue me and pass --resume auto".
constexpr int kExitCheckpointedRequeue = 75;  // EX_TEMPFAIL

void install_stop_signal_handlers();
bool stop_requested();
int stop_signal();  // the signal received, 0 if none

}  // namespace sst
