#include "comm/control.h"

#include <mpi.h>

#include <algorithm>
#include <limits>

#include "comm/collective_watchdog.h"
#include "common/error.h"

namespace sst::comm {

void ControlPlane::sum(std::vector<double>& values) const {
  const CollectiveGuard guard("MPI_Allreduce (control plane: sum of counters)");
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void ControlPlane::sum(std::initializer_list<double*> fields) const {
  std::vector<double> none;
  sum(fields, none);
}

void ControlPlane::sum(std::initializer_list<double*> fields, std::vector<double>& values) const {
  std::vector<double> all;
  all.reserve(fields.size() + values.size());
  for (const double* f : fields) all.push_back(*f);
  all.insert(all.end(), values.begin(), values.end());
  sum(all);
  auto it = all.begin();
  for (double* f : fields) *f = *it++;
  std::copy(it, all.end(), values.begin());
}

std::string ControlPlane::broadcast(const std::string& s, int root) const {
  const CollectiveGuard guard("MPI_Bcast (control plane: a string of one rank)");
  int n = static_cast<int>(s.size());
  MPI_Bcast(&n, 1, MPI_INT, root, MPI_COMM_WORLD);
  std::string out = s;
  out.resize(static_cast<size_t>(n));
  MPI_Bcast(out.data(), n, MPI_CHAR, root, MPI_COMM_WORLD);
  return out;
}

std::vector<std::string> ControlPlane::all_gather(const std::string& s) const {
  const CollectiveGuard guard("MPI_Allgather (control plane: a string from every rank)");
  std::vector<int> lengths(static_cast<size_t>(world_.size));
  int n = static_cast<int>(s.size());
  MPI_Allgather(&n, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> offsets(lengths.size(), 0);
  for (size_t r = 1; r < lengths.size(); ++r) offsets[r] = offsets[r - 1] + lengths[r - 1];
  std::string all(static_cast<size_t>(offsets.back() + lengths.back()), '\0');
  MPI_Allgatherv(s.data(), n, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (size_t r = 0; r < lengths.size(); ++r) out.push_back(all.substr(static_cast<size_t>(offsets[r]), lengths[r]));
  return out;
}

void ControlPlane::barrier() const {
  const CollectiveGuard guard("MPI_Barrier (control plane)");
  MPI_Barrier(MPI_COMM_WORLD);
}

void ControlPlane::run_on_all_ranks(const std::function<void()>& fn) const {
  std::string error;
  try {
    fn();
  } catch (const UserError& e) {
    error = e.what();
  }
  int first_failed = error.empty() ? std::numeric_limits<int>::max() : world_.rank;
  const CollectiveGuard guard("MPI_Allreduce (control plane: agreement on errors)");
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
  {
    const CollectiveGuard guard("MPI_Bcast (control plane: rank 0's decision)");
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
  }
  result = broadcast(result);
  if (failed) throw CollectiveError(result, world_.is_root());
  return result;
}

}  // namespace sst::comm
