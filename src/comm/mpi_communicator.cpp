// MPI backend: collectives on host memory, complete when they return. CUDA tensors are copied to the
// host and back, which is slow but lets several ranks share one GPU (NCCL cannot). Every collective runs
// under the collective timeout (collective_watchdog.h).
#include <mpi.h>

#include <vector>

#include "comm/collective_watchdog.h"
#include "comm/communicator.h"
#include "common/error.h"

namespace sst::comm {
namespace {

MPI_Datatype mpi_type(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat:
      return MPI_FLOAT;
    case torch::kDouble:
      return MPI_DOUBLE;
    case torch::kLong:
      return MPI_INT64_T;
    case torch::kInt:
      return MPI_INT32_T;
    default:
      throw std::invalid_argument("MpiCommunicator: unsupported dtype");
  }
}

// Per-rank element counts and offsets as MPI takes them.
struct Parts {
  Parts(const std::vector<int64_t>& c, const torch::Tensor& t) {
    int offset = 0;
    for (int64_t n : c) {
      counts.push_back(static_cast<int>(n));
      displs.push_back(offset);
      offset += static_cast<int>(n);
    }
    TORCH_CHECK(offset == t.numel(), "collective: the parts' counts do not add up to the tensor's size");
  }
  std::vector<int> counts, displs;
};

int this_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

// Runs `collective` on a host copy of CUDA tensor `t` and copies the result back.
template <typename F>
void staged(torch::Tensor& t, F&& collective) {
  auto host = t.cpu();
  collective(host);
  t.copy_(host);
}

class MpiCommunicator final : public Communicator {
 public:
  std::string name() const override { return "mpi"; }

  void allreduce_sum(torch::Tensor& t) override {
    TORCH_CHECK(t.is_contiguous(), "allreduce_sum needs a contiguous tensor");
    if (t.is_cuda()) return staged(t, [&](torch::Tensor& host) { allreduce_sum(host); });
    const CollectiveGuard guard("MPI_Allreduce (gradients)");
    MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), static_cast<int>(t.numel()), mpi_type(t), MPI_SUM, MPI_COMM_WORLD);
  }

  void reduce_scatter_sum(torch::Tensor& t, const std::vector<int64_t>& counts) override {
    TORCH_CHECK(t.is_contiguous(), "reduce_scatter_sum needs a contiguous tensor");
    if (t.is_cuda()) return staged(t, [&](torch::Tensor& host) { reduce_scatter_sum(host, counts); });
    const Parts parts(counts, t);
    const int rank = this_rank();
    // Into a scratch tensor: MPI_IN_PLACE would put this rank's result at the start of the buffer.
    auto own = t.narrow(0, parts.displs[rank], counts[rank]);
    auto result = torch::empty_like(own);
    const CollectiveGuard guard("MPI_Reduce_scatter (gradient shards)");
    MPI_Reduce_scatter(t.data_ptr(), result.data_ptr(), parts.counts.data(), mpi_type(t), MPI_SUM, MPI_COMM_WORLD);
    own.copy_(result);
  }

  void all_gather(torch::Tensor& t, const std::vector<int64_t>& counts) override {
    TORCH_CHECK(t.is_contiguous(), "all_gather needs a contiguous tensor");
    if (t.is_cuda()) return staged(t, [&](torch::Tensor& host) { all_gather(host, counts); });
    const Parts parts(counts, t);
    const CollectiveGuard guard("MPI_Allgatherv (parameter shards or embedding rows)");
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, t.data_ptr(), parts.counts.data(), parts.displs.data(),
                   mpi_type(t), MPI_COMM_WORLD);
  }

  bool usable_off_main_thread() const override {
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    return level >= MPI_THREAD_SERIALIZED;
  }

  void broadcast(torch::Tensor& t, int root) override {
    TORCH_CHECK(t.is_contiguous(), "broadcast needs a contiguous tensor");
    if (t.is_cuda()) return staged(t, [&](torch::Tensor& host) { broadcast(host, root); });
    const CollectiveGuard guard("MPI_Bcast (tensor broadcast: initial parameters)");
    MPI_Bcast(t.data_ptr(), static_cast<int>(t.numel()), mpi_type(t), root, MPI_COMM_WORLD);
  }
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

}  // namespace sst::comm
