// The gradient communicator's collectives (comm/communicator.h), on 1-3 ranks of mpi_allreduce_check
// (mpi_checks.h): the MPI backend on CPU tensors; under `cuda` the same checks run on the backend chosen
// for the GPUs (NCCL with one per rank). Sums of each dtype, broadcasts from the first and the last rank,
// and reduce-scatter / all-gather with parts of unequal size (an empty one included).
#include <vector>

#include "mpi_checks.h"

namespace sst::comm::test {

namespace {

void check_allreduce_and_broadcast(MpiCheck& c) {
  const double W = c.W();
  const int rank = c.world.rank;
  // Sum of rank-dependent values: sum_r (r + 1) * [1, 2, 3].
  auto t = torch::tensor({1.0f, 2.0f, 3.0f}, c.on()) * static_cast<float>(rank + 1);
  c.comm.allreduce_sum(t);
  auto d = torch::full({1000}, static_cast<double>(rank), c.on().dtype(torch::kDouble));
  c.comm.allreduce_sum(d);
  auto i = torch::full({5}, static_cast<int64_t>(rank + 1) << 40, c.on().dtype(torch::kLong));
  c.comm.allreduce_sum(i);
  auto b = torch::full({4}, static_cast<float>(rank + 10), c.on());
  c.comm.broadcast(b, 0);
  auto from_last = torch::full({3}, static_cast<float>(rank), c.on());
  c.comm.broadcast(from_last, c.world.size - 1);
  c.comm.join();
  const float s = static_cast<float>(W * (W + 1) / 2);
  c.check(torch::allclose(t.cpu(), torch::tensor({s, 2 * s, 3 * s})), "allreduce_sum float32");
  c.check(torch::allclose(d.cpu(), torch::full({1000}, W * (W - 1) / 2, torch::kDouble)), "allreduce_sum float64");
  const int64_t exact = static_cast<int64_t>(W * (W + 1) / 2) << 40;  // beyond float precision: exact int64 sum
  c.check(torch::equal(i.cpu(), torch::full({5}, exact, torch::kLong)), "allreduce_sum int64, exactly");
  c.check(torch::equal(b.cpu(), torch::full({4}, 10.0f)), "broadcast from rank 0");
  c.check(torch::equal(from_last.cpu(), torch::full({3}, static_cast<float>(c.world.size - 1))),
          "broadcast from the last rank");
}

void check_unequal_parts(MpiCheck& c) {
  const int rank = c.world.rank, W = c.world.size;
  // Rank r owns r + 1 elements, rank 1 none.
  std::vector<int64_t> counts;
  for (int r = 0; r < W; ++r) counts.push_back(r == 1 ? 0 : r + 1);
  int64_t total = 0, own_begin = 0;
  for (int r = 0; r < W; ++r) {
    if (r < rank) own_begin += counts[r];
    total += counts[r];
  }
  const float s = static_cast<float>(W * (W + 1) / 2);
  auto parts = torch::arange(total, c.on().dtype(torch::kFloat)) * static_cast<float>(rank + 1);
  c.comm.reduce_scatter_sum(parts, counts);
  c.comm.join();
  auto own = parts.narrow(0, own_begin, counts[rank]).cpu();
  c.check(torch::allclose(own, torch::arange(own_begin, own_begin + counts[rank]).to(torch::kFloat) * s),
          "reduce_scatter_sum: this rank's part summed");
  auto ids = torch::full({total}, static_cast<int64_t>(-1), c.on().dtype(torch::kLong));
  ids.narrow(0, own_begin, counts[rank]).fill_(rank);
  c.comm.all_gather(ids, counts);
  c.comm.join();
  std::vector<int64_t> owners;
  for (int r = 0; r < W; ++r) owners.insert(owners.end(), static_cast<size_t>(counts[r]), r);
  c.check(torch::equal(ids.cpu(), torch::tensor(owners, torch::kLong)), "all_gather: every part from its owner");
}

}  // namespace

void check_collectives(MpiCheck& c) {
  check_allreduce_and_broadcast(c);
  check_unequal_parts(c);
}

}  // namespace sst::comm::test
