// NCCL backend: ncclAllReduce on CUDA tensors, one GPU per rank. The NCCL unique id travels over
// MPI. Every collective is waited on with a watchdog: if it does not finish within the timeout
// (a peer died), the communicator is aborted with ncclCommAbort and the rank exits with an error
// instead of hanging. Compiled only when CUDA and NCCL are found (SST_HAVE_NCCL).
#include "common/error.h"
#include "dist/communicator.h"

#ifdef SST_HAVE_NCCL
#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace sst::dist {
namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw UserError(std::string("NCCL ") + what + ": " + ncclGetErrorString(r));
}

void check_cuda(cudaError_t r, const char* what) {
  if (r != cudaSuccess) throw UserError(std::string("CUDA ") + what + ": " + cudaGetErrorString(r));
}

ncclDataType_t nccl_type(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat:
      return ncclFloat32;
    case torch::kDouble:
      return ncclFloat64;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kHalf:
      return ncclFloat16;
    case torch::kLong:
      return ncclInt64;
    case torch::kInt:
      return ncclInt32;
    default:
      throw std::invalid_argument("NcclCommunicator: unsupported dtype");
  }
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(const World& world, int device) : device_(device) {
    const char* t = std::getenv("SST_NCCL_TIMEOUT_S");
    timeout_s_ = t ? std::atof(t) : 300.0;
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    ncclUniqueId id;
    if (world.rank == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD);
    check_nccl(ncclCommInitRank(&comm_, world.size, id, world.rank), "ncclCommInitRank");
  }
  ~NcclCommunicator() override {
    if (comm_) ncclCommDestroy(comm_);
  }

  std::string name() const override { return "nccl"; }

  void allreduce_sum(torch::Tensor& t) override {
    TORCH_CHECK(t.is_cuda() && t.is_contiguous(), "NCCL allreduce needs a contiguous CUDA tensor");
    // Stream 0 (legacy default): ordered after the LibTorch kernels that produced `t`.
    check_nccl(ncclAllReduce(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t), ncclSum, comm_, nullptr),
               "ncclAllReduce");
    wait("ncclAllReduce");
  }

  void broadcast(torch::Tensor& t, int root) override {
    TORCH_CHECK(t.is_cuda() && t.is_contiguous(), "NCCL broadcast needs a contiguous CUDA tensor");
    check_nccl(ncclBroadcast(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t), root, comm_, nullptr),
               "ncclBroadcast");
    wait("ncclBroadcast");
  }

 private:
  // Watchdog: poll the stream; on an asynchronous NCCL error or after the timeout, abort.
  void wait(const char* what) {
    auto start = std::chrono::steady_clock::now();
    while (true) {
      cudaError_t s = cudaStreamQuery(nullptr);
      if (s == cudaSuccess) return;
      if (s != cudaErrorNotReady) check_cuda(s, what);
      ncclResult_t async_err = ncclSuccess;
      ncclCommGetAsyncError(comm_, &async_err);
      double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (async_err != ncclSuccess || waited > timeout_s_) {
        ncclCommAbort(comm_);
        comm_ = nullptr;
        throw UserError(std::string(what) + " did not complete within " + std::to_string(timeout_s_) +
                        " s (a peer rank failed?); NCCL communicator aborted");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  int device_;
  double timeout_s_;
  ncclComm_t comm_ = nullptr;
};

}  // namespace

bool nccl_compiled() { return true; }

std::unique_ptr<Communicator> make_nccl_communicator(const World& world, int device_index) {
  int gpus = 0;
  check_cuda(cudaGetDeviceCount(&gpus), "cudaGetDeviceCount");
  if (world.local_size > gpus)
    throw UserError("NCCL needs one GPU per rank: " + std::to_string(world.local_size) + " ranks on this node, " +
                    std::to_string(gpus) + " GPU(s); use fewer ranks or the MPI backend");
  return std::make_unique<NcclCommunicator>(world, device_index >= 0 ? device_index : world.local_rank);
}

}  // namespace sst::dist

#else  // !SST_HAVE_NCCL

namespace sst::dist {
bool nccl_compiled() { return false; }
std::unique_ptr<Communicator> make_nccl_communicator(const World&, int) {
  throw UserError("this build has no NCCL support (CUDA toolkit or NCCL not found at configure time)");
}
}  // namespace sst::dist

#endif
