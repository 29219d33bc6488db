// MPI bootstrap: who am I, how many of us, how many on this node. Every rank calls init_world()
// first; a single process started without mpirun is a world of one.
#pragma once
#include <string>

namespace sst::comm {

struct World {
  int rank = 0, size = 1;              // in MPI_COMM_WORLD
  int local_rank = 0, local_size = 1;  // on this node (shared-memory communicator)
  std::string host;                    // this node's hostname
  bool is_root() const { return rank == 0; }
};

// MPI_Init_thread, errors fatal (a failed collective aborts the job instead of hanging), and the
// node-local split. Safe to call once per process.
World init_world(int* argc, char*** argv);
void finalize_world();
// Ends every rank of the job (used when one rank hits an error the others cannot see).
[[noreturn]] void abort_world(int exit_code);
// The MPI library's name and version (its first line), e.g. "Open MPI v4.1.4".
std::string mpi_library_version();

}  // namespace sst::comm
