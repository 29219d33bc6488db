#include "comm/grad_sync.h"

#include "common/torch_compat.h"

namespace sst::comm {

GradientSynchronizer::GradientSynchronizer(std::vector<torch::Tensor> params, Communicator& comm,
                                           const ControlPlane& control, GradSyncOptions options)
    : params_(std::move(params)),
      layout_(params_, options.bucket_bytes, control.world().size, options.sparse_param),
      comm_(comm),
      rank_(control.world().rank),
      world_size_(control.world().size),
      shard_(options.shard),
      fault_(options.fault) {
  const auto flat_options = params_.at(0).options().requires_grad(false);
  flat_grads_ = torch::zeros({layout_.padded_size()}, flat_options);
  flat_params_ = torch::zeros({layout_.padded_size()}, flat_options);
  grad_views_ = slot_views(layout_, flat_grads_, params_);
  param_views_ = slot_views(layout_, flat_params_, params_);
  rebind_data(params_, param_views_);
  rebind_grads(params_, grad_views_);
  for (int b = 0; b < layout_.num_buckets(); ++b) {
    const Span s = layout_.bucket(b);
    buckets_.push_back({flat_grads_.narrow(0, s.begin, s.size()), layout_.shard_counts(s), 0});
  }
  if (options.sparse_param >= 0 && options.sparse != SparseMode::kNever) {
    const auto& table = params_.at(static_cast<size_t>(options.sparse_param));
    TORCH_CHECK(table.dim() == 2, "the sparse parameter must be a [rows, width] table");
    sparse_ = std::make_unique<SparseRows>(comm_, control, table.size(0), table.size(1), options.sparse);
    sparse_bucket_ = layout_.bucket_of(static_cast<size_t>(options.sparse_param));
    sparse_width_ = table.size(1);
  }
  if (fault_ != ReductionFault::kNone) faulty_bucket_ = sparse_bucket_ == 0 && num_buckets() > 1 ? 1 : 0;

  if (options.overlap && comm_.asynchronous())
    overlap_ = Overlap::kStream;
  else if (options.overlap && comm_.usable_off_main_thread() && !flat_grads_.is_cuda())
    overlap_ = Overlap::kThread;  // (MPI staging CUDA tensors through the host would sync the device)
  if (overlap_ == Overlap::kNone) return;
  for (size_t i = 0; i < params_.size(); ++i)
    hooks_.push_back(
        compat::after_grad_accumulated(params_[i], [this, b = layout_.bucket_of(i)] { on_grad_accumulated(b); }));
  if (overlap_ == Overlap::kThread) worker_ = std::thread([this] { worker_loop(); });
}

GradientSynchronizer::~GradientSynchronizer() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void GradientSynchronizer::zero_grad() {
  flat_grads_.zero_();
  rebind_grads(params_, grad_views_);
  rebind_data(params_, param_views_);
  armed_ = false;
  sparse_this_step_ = false;
  touched_host_ = touched_device_ = torch::Tensor();
  touched_counts_.clear();
  next_launch_ = 0;
  done_ = 0;
}

void GradientSynchronizer::set_touched_rows(const torch::Tensor& rows_host, const torch::Tensor& rows_device,
                                            std::vector<int64_t> counts) {
  touched_host_ = rows_host;
  touched_device_ = rows_device;
  touched_counts_ = std::move(counts);
}

void GradientSynchronizer::arm() {
  // Dense or sparse for this step, agreed by all ranks before any bucket is issued.
  if (sparse_) {
    TORCH_CHECK(touched_host_.defined(), "set_touched_rows() was not called before arm()");
    // The counts agreed ahead, or (first step, restarted input) a host all-reduce of their own.
    auto counts = touched_counts_;
    if (counts.empty() && sparse_->needs_counts()) counts = sparse_->count_rows(touched_host_);
    sparse_this_step_ = sparse_->plan(std::move(counts), touched_device_);
  }
  armed_ = overlap_ != Overlap::kNone;
  for (int b = 0; b < num_buckets(); ++b) buckets_[b].pending = layout_.params_in_bucket(b);
}

void GradientSynchronizer::on_grad_accumulated(int bucket) {
  // Runs on the thread executing backward (autograd's device thread on CUDA), right after the
  // accumulation into the view was computed (CPU) or queued (CUDA).
  if (!armed_) return;
  if (--buckets_[bucket].pending == 0) launch_ready_buckets();
}

void GradientSynchronizer::launch_ready_buckets() {
  while (next_launch_ < num_buckets() && buckets_[next_launch_].pending <= 0) issue(next_launch_++);
}

void GradientSynchronizer::issue(int bucket) {
  if (overlap_ != Overlap::kThread) return reduce(bucket);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(bucket);
  }
  cv_.notify_all();
}

void GradientSynchronizer::reduce(int bucket) {
  auto& b = buckets_[bucket];
  const ReductionFault fault = bucket == faulty_bucket_ ? fault_ : ReductionFault::kNone;
  if (fault == ReductionFault::kSkipBucket) return;
  if (fault == ReductionFault::kDropRank && rank_ == world_size_ - 1) b.view.zero_();
  if (bucket == sparse_bucket_ && sparse_this_step_) {
    // The bucket is exactly the table's slot.
    sparse_->begin_exchange(b.view.view({-1, sparse_width_}));  // completed after join()
  } else if (shard_) {
    comm_.reduce_scatter_sum(b.view, b.counts);
  } else {
    comm_.allreduce_sum(b.view);
  }
  // kSumNotAverage multiplies after join(), in complete_reductions().
}

void GradientSynchronizer::complete_reductions() {
  if (sparse_this_step_) sparse_->end_exchange();
  if (fault_ == ReductionFault::kSumNotAverage) buckets_[faulty_bucket_].view.mul_(static_cast<double>(world_size_));
}

void GradientSynchronizer::worker_loop() {
  for (;;) {
    int bucket;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutdown
      bucket = queue_.front();
    }
    try {
      reduce(bucket);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.pop_front();
      ++done_;
    }
    cv_.notify_all();
  }
}

void GradientSynchronizer::finish() {
  if (overlap_ == Overlap::kNone) {
    // No overlap: reduce every bucket here, in order.
    rebind_grads(params_, grad_views_);
    for (int b = 0; b < num_buckets(); ++b) reduce(b);
    comm_.join();
    complete_reductions();
    return;
  }
  // A parameter that got no gradient this step never fires its hook: its bucket is launched here.
  for (auto& b : buckets_) b.pending = 0;
  launch_ready_buckets();
  armed_ = false;
  if (overlap_ == Overlap::kStream) {
    comm_.join();
  } else {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_ == num_buckets(); });
    if (error_) std::rethrow_exception(error_);
  }
  complete_reductions();
  // A gradient that was replaced instead of accumulated in place missed its reduction: never
  // expected (autograd accumulates into an existing .grad), so fail loudly rather than diverge.
  TORCH_CHECK(!rebind_grads(params_, grad_views_), "a gradient left the flat buffer during backward; cannot reduce it");
}

torch::Tensor GradientSynchronizer::shard_grad_norm() const {
  const Span s = layout_.shard(rank_);
  return flat_grads_.narrow(0, s.begin, s.size()).norm();
}

void GradientSynchronizer::scale_gradients(double factor) {
  const Span s = update_span();
  flat_grads_.narrow(0, s.begin, s.size()).mul_(factor);
}

void GradientSynchronizer::gather_parameters() {
  if (!shard_) return;
  all_gather_shards(flat_params_);
}

void GradientSynchronizer::all_gather_shards(torch::Tensor& t) {
  TORCH_CHECK(t.numel() == layout_.padded_size(), "all_gather_shards: not a flat-layout tensor");
  comm_.all_gather(t, layout_.shard_counts(Span{0, layout_.padded_size()}));
  comm_.join();
}

}  // namespace sst::comm
