// MPI bootstrap: who am I, how many of us, how many on this node. Every rank calls init_world()
// first; a single process started without mpirun is a world of one.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"

namespace sst::dist {

struct World {
  int rank = 0, size = 1;              // in MPI_COMM_WORLD
  int local_rank = 0, local_size = 1;  // on this node (shared-memory communicator)
  bool is_root() const { return rank == 0; }
};

// MPI_Init_thread, errors fatal (a failed collective aborts the job instead of hanging), and the
// node-local split. Safe to call once per process.
World init_world(int* argc, char*** argv);
void finalize_world();
// Ends every rank of the job (used when one rank hits an error the others cannot see).
[[noreturn]] void abort_world(int exit_code);
void barrier();
// Element-wise sum / max of a small host vector over all ranks (control values: flags, counters).
void allreduce_sum(std::vector<double>& values);
int allreduce_max(int value);
// Rank 0's string, on every rank.
std::string broadcast_string(const std::string& s);

}  // namespace sst::dist

namespace sst::dist {

// Runs `fn` on every rank, then agrees: if it threw a UserError on any rank, every rank throws
// CollectiveError (the lowest failing rank's one carries printable=true). For checks whose failure
// may differ between ranks, without leaving some ranks waiting in a collective.
void run_on_all_ranks(const std::function<void()>& fn);

}  // namespace sst::dist
