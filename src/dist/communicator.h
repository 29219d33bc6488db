// The collective interface the trainer reduces gradients through. Two backends:
//   MpiCommunicator  - host tensors, MPI_Allreduce (CUDA tensors are staged through host memory)
//   NcclCommunicator - CUDA tensors, ncclAllReduce (compiled when CUDA + NCCL are found)
// make_communicator() picks one from where the model lives.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

#include "dist/world.h"

namespace sst::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual std::string name() const = 0;
  // In-place sum over all ranks of a contiguous float32/float64 tensor.
  virtual void allreduce_sum(torch::Tensor& t) = 0;
  // In-place copy of rank `root`'s tensor to every rank.
  virtual void broadcast(torch::Tensor& t, int root) = 0;
  // Whether a background thread may call allreduce_sum while the main thread makes no other
  // collective call (what overlapping the all-reduce with backward needs).
  virtual bool usable_off_main_thread() const { return false; }
};

std::unique_ptr<Communicator> make_mpi_communicator();
// Throws UserError if this build has no NCCL, or if several ranks share one GPU (NCCL refuses that).
std::unique_ptr<Communicator> make_nccl_communicator(const World& world, int device_index);
bool nccl_compiled();

// NCCL for CUDA tensors when available, MPI otherwise (also for CUDA with more ranks than GPUs).
std::unique_ptr<Communicator> make_communicator(const World& world, const torch::Device& device);

}  // namespace sst::dist
