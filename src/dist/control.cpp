#include "dist/control.h"

#include <mpi.h>

#include <limits>

#include "common/error.h"

namespace sst::dist {

void ControlPlane::sum(std::vector<double>& values) const {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

std::string ControlPlane::broadcast(const std::string& s, int root) const {
  int n = static_cast<int>(s.size());
  MPI_Bcast(&n, 1, MPI_INT, root, MPI_COMM_WORLD);
  std::string out = s;
  out.resize(static_cast<size_t>(n));
  MPI_Bcast(out.data(), n, MPI_CHAR, root, MPI_COMM_WORLD);
  return out;
}

void ControlPlane::barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

void ControlPlane::run_on_all_ranks(const std::function<void()>& fn) const {
  std::string error;
  try {
    fn();
  } catch (const UserError& e) {
    error = e.what();
  }
  int first_failed = error.empty() ? std::numeric_limits<int>::max() : world_.rank;
  MPI_Allreduce(MPI_IN_PLACE, &first_failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first_failed == std::numeric_limits<int>::max()) return;
  throw CollectiveError(error.empty() ? "failed on rank " + std::to_string(first_failed) : error,
                        first_failed == world_.rank);
}

void ControlPlane::run_on_root(const std::function<void()>& fn) const {
  run_on_all_ranks([&] {
    if (world_.is_root()) fn();
  });
}

std::string ControlPlane::decide_on_root(const std::function<std::string()>& decide) const {
  std::string result;
  int failed = 0;
  if (world_.is_root()) {
    try {
      result = decide();
    } catch (const UserError& e) {
      result = e.what();
      failed = 1;
    }
  }
  MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
  result = broadcast(result);
  if (failed) throw CollectiveError(result, world_.is_root());
  return result;
}

}  // namespace sst::dist
