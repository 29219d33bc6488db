// What to reduce and when (the controller; the communicator is the how).
//
// Every parameter's gradient is a view into one flat buffer, laid out in reverse parameter order
// because backward produces gradients roughly from the last layer to the first. The buffer is cut
// into buckets of about `bucket_bytes`. While the last micro-batch's backward runs, a hook on each
// parameter's gradient accumulator counts down its bucket; a bucket whose gradients are all
// accumulated is reduced while the rest of backward goes on (as PyTorch DDP and Horovod do): with a
// blocking backend (MPI, CPU tensors) a background thread reduces it; with an asynchronous one (NCCL)
// the hook issues it directly, queued on the communication stream after the kernels that produced
// the gradients. Buckets are always issued in index order, so every rank issues the same collectives
// in the same order. finish() completes all of them (NCCL: orders the compute stream after them,
// without waiting on the host).
// The loss is pre-scaled by 1/global_batch, so the sum over ranks is the global mean gradient.
#pragma once
#include <torch/torch.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dist/communicator.h"

namespace sst::dist {

struct GradSyncOptions {
  int64_t bucket_bytes = 4 << 20;
  bool overlap = true;  // reduce buckets during backward (an asynchronous communicator, or one usable off
                        // the main thread with host tensors)
};

class GradientSynchronizer {
 public:
  GradientSynchronizer(std::vector<torch::Tensor> params, Communicator& comm, GradSyncOptions options);
  ~GradientSynchronizer();
  GradientSynchronizer(const GradientSynchronizer&) = delete;
  GradientSynchronizer& operator=(const GradientSynchronizer&) = delete;

  // Zeroes the flat buffer (replaces optimizer.zero_grad(), which may drop the views).
  void zero_grad();
  // Call before the backward of the step's last micro-batch: from then on, ready buckets are
  // reduced in the background. Earlier micro-batches only accumulate locally.
  void arm();
  // Reduces whatever was not reduced during backward and waits: afterwards the buffer holds the
  // sum over ranks.
  void finish();
  // Global L2 norm of the (already reduced) gradients, a scalar on their device; identical on every rank.
  torch::Tensor grad_norm() const;
  const torch::Tensor& flat() const { return flat_; }
  int num_buckets() const { return static_cast<int>(buckets_.size()); }
  bool overlapping() const { return overlap_ != Overlap::kNone; }

 private:
  enum class Overlap { kNone, kThread, kStream };
  struct Bucket {
    torch::Tensor view;  // contiguous slice of flat_
    int pending = 0;     // parameters whose gradient is not accumulated yet (this step)
    int size = 0;        // parameters in the bucket
  };
  void on_grad_accumulated(int bucket);
  void launch_ready_buckets();  // in index order, as far as they are ready
  void issue(int bucket);       // to the worker thread, or directly to an asynchronous communicator
  void worker_loop();
  bool rebind_views_if_needed();

  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> views_;
  std::vector<int> bucket_of_;  // parameter -> bucket
  std::vector<Bucket> buckets_;
  std::vector<std::shared_ptr<void>> hooks_;  // keep the gradient accumulators (and their hooks) alive
  torch::Tensor flat_;
  Communicator& comm_;
  Overlap overlap_ = Overlap::kNone;
  bool armed_ = false;
  int next_launch_ = 0;  // buckets [0, next_launch_) have been handed to the worker this step

  // Background reduction: the worker reduces queued buckets; finish() waits until done == queued.
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> queue_;
  int done_ = 0;
  bool shutdown_ = false;
  std::exception_ptr error_;
};

}  // namespace sst::dist
