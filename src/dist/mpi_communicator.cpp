// MPI backend: collectives on host memory, complete when they return. CUDA tensors are copied to the
// host and back, which is slow but lets several ranks share one GPU (NCCL cannot).
#include <mpi.h>

#include "common/error.h"
#include "dist/communicator.h"

namespace sst::dist {
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

class MpiCommunicator final : public Communicator {
 public:
  std::string name() const override { return "mpi"; }

  void allreduce_sum(torch::Tensor& t) override {
    TORCH_CHECK(t.is_contiguous(), "allreduce_sum needs a contiguous tensor");
    if (t.is_cuda()) {
      auto host = t.cpu();
      allreduce_sum(host);
      t.copy_(host);
      return;
    }
    MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), static_cast<int>(t.numel()), mpi_type(t), MPI_SUM, MPI_COMM_WORLD);
  }

  bool usable_off_main_thread() const override {
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    return level >= MPI_THREAD_SERIALIZED;
  }

  void broadcast(torch::Tensor& t, int root) override {
    TORCH_CHECK(t.is_contiguous(), "broadcast needs a contiguous tensor");
    if (t.is_cuda()) {
      auto host = t.cpu();
      broadcast(host, root);
      t.copy_(host);
      return;
    }
    MPI_Bcast(t.data_ptr(), static_cast<int>(t.numel()), mpi_type(t), root, MPI_COMM_WORLD);
  }
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

}  // namespace sst::dist
