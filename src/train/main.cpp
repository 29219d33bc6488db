// sst-train: entry point. Parses options, starts MPI, runs the training job, and turns every error
// into one line on stderr and a non-zero exit without leaving other ranks hanging.
#include <cstdio>
#include <exception>

#include "comm/collective_watchdog.h"
#include "comm/world.h"
#include "common/error.h"
#include "train/benchmark.h"
#include "train/config.h"
#include "train/signals.h"
#include "train/threading_env.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  // A stop signal from here on is kept (blocked, then handled), across the re-execution below too.
  sst::block_stop_signals();
  // It may re-execute the binary with OMP_WAIT_POLICY / OPENBLAS_NUM_THREADS set (before MPI).
  sst::ensure_threading_environment(argc, argv);
  // Before anything slow: a SIGTERM/SIGUSR1 during setup is honoured at the first step boundary.
  sst::install_stop_signal_handlers();
  sst::Config cfg;
  try {
    auto outcome = sst::parse_config(argc, argv, cfg);
    if (outcome != sst::ParseOutcome::kRun) return 0;
    // A bad timeout is refused before MPI starts (one line naming the variable), whichever backend runs.
    sst::comm::collective_timeout_s();
    sst::comm::nccl_timeout_s();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sst-train: error: %s\n", sst::printable_message(e.what()).c_str());
    return 1;
  }
  auto world = sst::comm::init_world(&argc, &argv);
  // init_world's node split is a collective: every rank has its handlers by now.
  if (world.is_root()) sst::announce_stop_ready();
  int code = 0;
  try {
    code = cfg.benchmark.enabled ? sst::run_benchmark(cfg, world) : sst::run_training(cfg, world);
  } catch (const sst::CollectiveError& e) {
    // Every rank got here together: end cleanly, one rank reports.
    if (e.printable) std::fprintf(stderr, "sst-train: error: %s\n", e.what());
    code = 1;
  } catch (const std::exception& e) {
    // Only this rank failed (with several ranks, run_or_abort already ended the job before unwinding;
    // this is an error outside the run's scope): the others may be inside a collective, so take the
    // whole job down.
    std::fprintf(stderr, "sst-train: error (rank %d): %s\n", world.rank, sst::printable_message(e.what()).c_str());
    std::fflush(stderr);
    if (world.size > 1) sst::comm::abort_world(1);
    code = 1;
  }
  sst::comm::finalize_world();
  return code;
}
