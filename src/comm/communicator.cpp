// make_communicator(): the backend for this run, agreed by all ranks.
#include "comm/communicator.h"

#include "comm/gpu_placement.h"

namespace sst::comm {

CommunicatorChoice make_communicator(const ControlPlane& control, const torch::Device& device) {
  if (!nccl_compiled())
    return {make_mpi_communicator(),
            device.is_cuda() ? "note: this build has no NCCL; gradients of CUDA tensors go through MPI, staged "
                               "through host memory"
                             : ""};
  // Every rank names the physical GPU it uses ("" on the CPU), so all decide alike.
  const auto ids = control.all_gather(device.is_cuda() ? gpu_identity(device.index(), control.world().host) : "");
  bool all_cuda = true;
  for (const auto& id : ids) all_cuda = all_cuda && !id.empty();
  if (!all_cuda) return {make_mpi_communicator(), ""};
  const std::string shared = describe_shared_gpus(ids);
  if (!shared.empty())
    return {make_mpi_communicator(), "note: " + shared +
                                         " (NCCL needs one GPU per rank); gradients go through MPI, staged through "
                                         "host memory, which is much slower: use as many ranks per node as GPUs"};
  return {make_nccl_communicator(control, device.index()), ""};
}

}  // namespace sst::comm
