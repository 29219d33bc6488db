// The collective interface the trainer reduces gradients through. Two backends:
//   MpiCommunicator  - host tensors, MPI (CUDA tensors are staged through host memory)
//   NcclCommunicator - CUDA tensors, NCCL on a stream of its own (compiled when CUDA + NCCL are found)
// make_communicator() picks one from where the model lives and which GPU every rank ended up on.
//
// Ordering: every collective is *issued*. The MPI backend completes it before returning. The NCCL
// backend (asynchronous() == true) queues it on its communication stream after the work already
// queued on the caller's current CUDA stream, and returns at once; join() makes work queued later on
// the caller's stream (and so any host read of a result) wait for every collective issued so far.
// Tensors handed to an asynchronous collective must stay alive until join().
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "comm/control.h"
#include "comm/world.h"

namespace sst::comm {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual std::string name() const = 0;
  // In-place sum over all ranks of a contiguous tensor (float32/float64, int32/int64).
  virtual void allreduce_sum(torch::Tensor& t) = 0;
  // In-place copy of rank `root`'s tensor to every rank.
  virtual void broadcast(torch::Tensor& t, int root) = 0;
  // `t` holds one part per rank, in rank order, counts[r] elements each (a part may be empty).
  // reduce_scatter_sum: afterwards this rank's part holds the sum over ranks of that part (the other
  // parts are left unspecified). all_gather: afterwards every part holds its owner's values.
  virtual void reduce_scatter_sum(torch::Tensor& t, const std::vector<int64_t>& counts) = 0;
  virtual void all_gather(torch::Tensor& t, const std::vector<int64_t>& counts) = 0;
  // Orders the caller's later work after every collective issued so far (a no-op where collectives
  // complete before returning).
  virtual void join() {}
  // Whether issuing returns before the collective completes (then overlapping it with backward needs
  // no helper thread).
  virtual bool asynchronous() const { return false; }
  // Whether a background thread may issue collectives while the main thread makes no other
  // collective call (what overlapping a blocking backend with backward needs).
  virtual bool usable_off_main_thread() const { return false; }
  // This rank failed alone (its peers may be waiting in a collective): drop out of every collective at
  // once, without waiting for peers or for queued work, before the job is aborted. Afterwards the
  // communicator is unusable and its destructor does not wait. NCCL: ncclCommAbort; MPI: nothing to
  // do (MPI_Abort ends it).
  virtual void abort() {}
};

std::unique_ptr<Communicator> make_mpi_communicator();
// Throws UserError if this build has no NCCL. `device` is this rank's CUDA device index. Collective:
// rank 0's NCCL id reaches the others through the control plane (guarded, errors agreed).
std::unique_ptr<Communicator> make_nccl_communicator(const ControlPlane& control, int device);
bool nccl_compiled();

struct CommunicatorChoice {
  std::unique_ptr<Communicator> comm;
  std::string note;  // why a CUDA run uses the MPI backend (for the log), or ""
};

// NCCL when every rank has a CUDA device of its own, MPI otherwise (CPU tensors; or several ranks on
// one GPU, which NCCL refuses: then MPI stages through host memory, and `note` says so). Collective:
// every rank calls it, with its own device.
CommunicatorChoice make_communicator(const ControlPlane& control, const torch::Device& device);

}  // namespace sst::comm
