// What to reduce and when (the controller; the communicator is the how).
//
// Every parameter's gradient is a view into one flat buffer, and so is the parameter itself (one
// flat parameter buffer, same layout: comm/flat_layout.h), so that the optimizer can update any
// contiguous range of them with a few vector operations. The buffers are cut into buckets of about
// `bucket_bytes`. While the last micro-batch's backward runs, a hook on each parameter's gradient
// accumulator counts down its bucket; a bucket whose gradients are all accumulated is reduced while
// the rest of backward goes on (as PyTorch DDP and Horovod do): with a blocking backend (MPI, CPU
// tensors) a background thread reduces it; with an asynchronous one (NCCL) the hook issues it
// directly, queued on the communication stream after the kernels that produced the gradients.
// Buckets are always issued in index order, so every rank issues the same collectives in the same
// order. finish() completes all of them (NCCL: orders the compute stream after them, without waiting
// on the host); a hook never waits for a collective. The loss is pre-scaled by 1/global_batch, so the
// sum over ranks is the global mean.
//
// How a bucket is reduced:
//   - all-reduce: every rank ends with the whole summed gradient (and updates every parameter);
//   - reduce-scatter (`shard`, ZeRO-1): every rank ends with the sum over its own shard only, updates
//     only that shard's parameters, and gather_parameters() all-gathers the updated shards;
//   - the token embedding (`sparse_param`, a bucket of its own) may instead travel as the rows the
//     step touched (comm/sparse_rows.h), decided per step by size.
#pragma once
#include <torch/torch.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "comm/communicator.h"
#include "comm/control.h"
#include "comm/flat_layout.h"
#include "comm/sparse_rows.h"

namespace sst::comm {

// A reduction broken on purpose, for the tests that must show the equality checks can fail
// (SST_BREAK_REDUCTION, train/fault_injection.h); applied to the first dense bucket of every step.
enum class ReductionFault {
  kNone,
  kSkipBucket,     // not reduced at all: every rank keeps its own gradient
  kSumNotAverage,  // the sum of the ranks' mean gradients, not their mean (x world size)
  kDropRank,       // the last rank's share left out
};

struct GradSyncOptions {
  int64_t bucket_bytes = 4 << 20;
  bool overlap = true;    // reduce buckets during backward (an asynchronous communicator, or one usable off
                          // the main thread with host tensors)
  bool shard = false;     // reduce-scatter to contiguous per-rank shards (ZeRO-1) instead of all-reduce
  int sparse_param = -1;  // index of a [V, D] parameter whose rows may travel sparsely
  SparseMode sparse = SparseMode::kNever;
  ReductionFault fault = ReductionFault::kNone;  // tests only
};

class GradientSynchronizer {
 public:
  // `params` in model order; each becomes a view into the flat parameter buffer.
  GradientSynchronizer(std::vector<torch::Tensor> params, Communicator& comm, const ControlPlane& control,
                       GradSyncOptions options);
  ~GradientSynchronizer();
  GradientSynchronizer(const GradientSynchronizer&) = delete;
  GradientSynchronizer& operator=(const GradientSynchronizer&) = delete;

  // Zeroes the gradients (replaces optimizer.zero_grad(), which may drop the views) and points any
  // parameter whose storage was replaced (a checkpoint load) back into the flat buffer.
  void zero_grad();
  // Whether set_touched_rows() wants every rank's count of touched rows (a sparse parameter in a mode
  // that can go sparse); the same on every rank.
  bool needs_row_counts() const { return sparse_ && sparse_->needs_counts(); }
  // The rows of the sparse parameter this step's batches touch (unique int64 ids, host and device);
  // before arm(), every step, on every rank. `counts`: every rank's number of touched rows this step,
  // if the ranks already agreed on them (the previous step's control all-reduce); empty: arm() agrees
  // on them with a host all-reduce of its own.
  void set_touched_rows(const torch::Tensor& rows_host, const torch::Tensor& rows_device,
                        std::vector<int64_t> counts = {});
  // Call before the backward of the step's last micro-batch: from then on, ready buckets are
  // reduced while backward runs. Earlier micro-batches only accumulate locally.
  void arm();
  // Reduces whatever was not reduced during backward: afterwards update_span() of the gradient buffer
  // holds the sum over ranks (work queued later on the device sees it). The one place where the step
  // waits for the communication (NCCL: the compute stream waits for the communication stream's events;
  // the host does not wait); no backward hook waits for any.
  void finish();
  // L2 norm of this rank's shard of the reduced gradient (a scalar on its device): the global norm is
  // the root of the sum over ranks of its square, in either mode.
  torch::Tensor shard_grad_norm() const;
  // gradients[update_span()] *= factor (clipping).
  void scale_gradients(double factor);
  // After the optimizer updated update_span() of the parameters: with sharding, every rank's updated
  // shard to every rank (a collective); without, nothing to do.
  void gather_parameters();
  // Every rank's shard of `t` (a flat-layout tensor of padded_size() elements) to every rank.
  void all_gather_shards(torch::Tensor& t);

  const FlatLayout& layout() const { return layout_; }
  const torch::Tensor& flat_grads() const { return flat_grads_; }
  const torch::Tensor& flat_params() const { return flat_params_; }
  const std::vector<torch::Tensor>& params() const { return params_; }
  // The part of the flat buffers this rank's optimizer updates: its shard, or everything.
  Span update_span() const { return sharded() ? layout_.shard(rank_) : Span{0, layout_.padded_size()}; }
  bool sharded() const { return shard_; }
  int num_buckets() const { return layout_.num_buckets(); }
  bool overlapping() const { return overlap_ != Overlap::kNone; }
  // Steps whose sparse parameter's gradient travelled as rows (0 without a sparse parameter).
  int64_t sparse_steps() const { return sparse_ ? sparse_->sparse_steps() : 0; }
  // Steps whose touched-row counts took a host all-reduce of their own (not agreed ahead).
  int64_t row_count_allreduces() const { return sparse_ ? sparse_->count_allreduces() : 0; }

 private:
  enum class Overlap { kNone, kThread, kStream };
  struct Bucket {
    torch::Tensor view;           // contiguous slice of flat_grads_
    std::vector<int64_t> counts;  // its overlap with each rank's shard (reduce-scatter parts)
    int pending = 0;              // parameters whose gradient is not accumulated yet (this step)
  };
  void on_grad_accumulated(int bucket);
  void launch_ready_buckets();  // in index order, as far as they are ready
  void issue(int bucket);       // to the worker thread, or reduce it here
  void reduce(int bucket);
  void worker_loop();
  void complete_reductions();  // after comm_.join(): the work that reads what the collectives wrote

  std::vector<torch::Tensor> params_;
  FlatLayout layout_;
  torch::Tensor flat_grads_, flat_params_;
  std::vector<torch::Tensor> grad_views_, param_views_;
  std::vector<Bucket> buckets_;
  std::vector<std::shared_ptr<void>> hooks_;  // keep the gradient accumulators (and their hooks) alive
  Communicator& comm_;
  int rank_, world_size_;
  bool shard_;
  ReductionFault fault_;
  int faulty_bucket_ = -1;  // the bucket `fault_` breaks
  Overlap overlap_ = Overlap::kNone;
  std::unique_ptr<SparseRows> sparse_;
  int sparse_bucket_ = -1;
  int64_t sparse_width_ = 0;
  torch::Tensor touched_host_, touched_device_;
  std::vector<int64_t> touched_counts_;  // every rank's, when agreed ahead; else empty
  bool sparse_this_step_ = false;
  bool armed_ = false;
  int next_launch_ = 0;  // buckets [0, next_launch_) have been issued this step

  // Background reduction: the worker reduces queued buckets; finish() waits until done == queued.
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> queue_;
  int done_ = 0;
  bool shutdown_ = false;
  std::exception_ptr error_;
};

}  // namespace sst::comm
