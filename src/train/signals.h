// SIGTERM / SIGUSR1 (what Slurm sends before a time limit or preemption) only set a flag here; the
// trainer all-reduces it at the next step boundary so every rank checkpoints and stops together.
#pragma once

namespace sst {

// Exit code meaning "checkpointed after a stop signal: requeue me and pass --resume auto".
constexpr int kExitCheckpointedRequeue = 75;  // EX_TEMPFAIL

// From the first line of main(): SIGTERM/SIGUSR1 are blocked (the mask and a pending signal survive the
// threading re-execution), then handled by install_stop_signal_handlers(), which unblocks them, so a
// stop signal at any moment after main() starts is honoured at the first step boundary.
void block_stop_signals();
void install_stop_signal_handlers();
// Creates $SST_STOP_READY_FILE (if set; rank 0, once every rank has its handlers): launch/train.sh and
// slurm/job_common.sh forward a stop signal only after it exists, since a rank still loading its
// libraries (before main) would be killed by it instead of checkpointing.
void announce_stop_ready();
bool stop_requested();
int stop_signal();  // the signal received, 0 if none

}  // namespace sst
