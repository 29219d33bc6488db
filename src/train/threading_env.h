// sst-train's threading environment, right however the binary is started (directly, under mpirun or
// srun, or through launch/train.sh). libgomp reads OMP_WAIT_POLICY, and a pthread OpenBLAS reads
// OPENBLAS_NUM_THREADS, while the process loads, before main() runs: setting them in main() is too late.
// So when one is unset, sst-train sets it and re-executes itself once (same PID, before MPI starts).
// Values the user set always win.
//   OMP_WAIT_POLICY=PASSIVE        OpenMP threads sleep between parallel regions instead of spinning on
//                                  the cores OpenBLAS's GEMM threads need (bench/RESULTS.md: ~8x on 2 cores)
//   OPENBLAS_NUM_THREADS=T         T = --train.threads when given on the command line, else the cores this
//                                  process may use / the ranks on this node, as train.threads = 0 does
#pragma once

#include <string>

namespace sst {

// Returns when the environment is complete. Otherwise execs this binary again with the missing variables
// set; if that exec fails it prints one warning line and returns (the run goes on, slower).
void ensure_threading_environment(int argc, char** argv);

// "OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 (set by sst-train)": each variable, and who set it.
std::string threading_environment_summary();

// The threads per rank ensure_threading_environment uses: `--train.threads=N` or `--train.threads N`
// on the command line when N > 0, else cores / ranks on this node (at least 1). Exposed for the tests.
int default_threads_per_rank(int argc, const char* const* argv, int cores, int local_ranks);

}  // namespace sst
