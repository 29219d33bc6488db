#include "comm/world.h"

#include <mpi.h>
#include <unistd.h>

#include <cstdlib>

namespace sst::comm {

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
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) == 0) w.host = host;
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

std::string mpi_library_version() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  std::string v(version, static_cast<size_t>(len));
  return v.substr(0, v.find_first_of(",\n"));
}

}  // namespace sst::comm
