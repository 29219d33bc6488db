#include "dist/world.h"

#include <mpi.h>

#include <cstdlib>
#include <limits>

namespace sst::dist {

World init_world(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    // SERIALIZED: the gradient all-reduce may run on a background thread during backward, but
    // never concurrently with another MPI call (the main thread waits for it first).
    MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  }
  // The default, made explicit: any MPI error aborts the whole job. A rank that dies makes the
  // launcher (mpirun / srun) tear the others down, so no rank waits forever in a collective.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  World w;
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &w.local_rank);
  MPI_Comm_size(local, &w.local_size);
  MPI_Comm_free(&local);
  return w;
}

void finalize_world() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void abort_world(int exit_code) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

void barrier() { MPI_Barrier(MPI_COMM_WORLD); }

void allreduce_sum(std::vector<double>& values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int allreduce_max(int value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

std::string broadcast_string(const std::string& s) {
  int n = static_cast<int>(s.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string out = s;
  out.resize(n);
  MPI_Bcast(out.data(), n, MPI_CHAR, 0, MPI_COMM_WORLD);
  return out;
}

}  // namespace sst::dist

namespace sst::dist {

void run_on_all_ranks(const std::function<void()>& fn) {
  std::string error;
  try {
    fn();
  } catch (const UserError& e) {
    error = e.what();
  }
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int first_failed = error.empty() ? std::numeric_limits<int>::max() : rank;
  MPI_Allreduce(MPI_IN_PLACE, &first_failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first_failed == std::numeric_limits<int>::max()) return;
  throw CollectiveError(error.empty() ? "failed on rank " + std::to_string(first_failed) : error, first_failed == rank);
}

}  // namespace sst::dist
