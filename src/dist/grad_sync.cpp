#include "dist/grad_sync.h"

#include "common/torch_compat.h"

namespace sst::dist {

GradientSynchronizer::GradientSynchronizer(std::vector<torch::Tensor> params, Communicator& comm,
                                           GradSyncOptions options)
    : params_(std::move(params)), comm_(comm) {
  int64_t total = 0;
  for (const auto& p : params_) total += p.numel();
  flat_ = torch::zeros({total}, params_.at(0).options().requires_grad(false));
  const int64_t elem_bytes = static_cast<int64_t>(flat_.element_size());

  // Reverse order: the first bucket holds the last parameters, whose gradients backward computes first.
  views_.resize(params_.size());
  bucket_of_.resize(params_.size());
  int64_t offset = 0, bucket_begin = 0;
  for (size_t k = 0; k < params_.size(); ++k) {
    const size_t i = params_.size() - 1 - k;
    auto& p = params_[i];
    views_[i] = flat_.narrow(0, offset, p.numel()).view(p.sizes());
    p.mutable_grad() = views_[i];
    offset += p.numel();
    if (buckets_.empty() || buckets_.back().view.defined()) buckets_.push_back({});
    bucket_of_[i] = static_cast<int>(buckets_.size()) - 1;
    ++buckets_.back().size;
    if ((offset - bucket_begin) * elem_bytes >= options.bucket_bytes || k + 1 == params_.size()) {
      buckets_.back().view = flat_.narrow(0, bucket_begin, offset - bucket_begin);
      bucket_begin = offset;
    }
  }

  if (options.overlap && comm_.asynchronous())
    overlap_ = Overlap::kStream;
  else if (options.overlap && comm_.usable_off_main_thread() && !flat_.is_cuda())
    overlap_ = Overlap::kThread;  // (MPI staging CUDA tensors through the host would sync the device)
  if (overlap_ == Overlap::kNone) return;
  for (size_t i = 0; i < params_.size(); ++i)
    hooks_.push_back(compat::after_grad_accumulated(params_[i], [this, b = bucket_of_[i]] { on_grad_accumulated(b); }));
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

bool GradientSynchronizer::rebind_views_if_needed() {
  // Autograd accumulates in place into an existing .grad; if anything replaced a gradient tensor
  // (or left it undefined), copy it back into the buffer and restore the view.
  bool rebound = false;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& g = params_[i].mutable_grad();
    if (!g.defined()) {
      views_[i].zero_();
    } else if (g.data_ptr() != views_[i].data_ptr()) {
      views_[i].copy_(g);
    } else {
      continue;
    }
    g = views_[i];
    rebound = true;
  }
  return rebound;
}

void GradientSynchronizer::zero_grad() {
  flat_.zero_();
  rebind_views_if_needed();
  armed_ = false;
  next_launch_ = 0;
  done_ = 0;
}

void GradientSynchronizer::arm() {
  armed_ = overlap_ != Overlap::kNone;
  for (auto& b : buckets_) b.pending = b.size;
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
  if (overlap_ == Overlap::kStream) {
    comm_.allreduce_sum(buckets_[bucket].view);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(bucket);
  }
  cv_.notify_all();
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
      comm_.allreduce_sum(buckets_[bucket].view);
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
    rebind_views_if_needed();
    for (auto& b : buckets_) comm_.allreduce_sum(b.view);
    comm_.join();
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
  // A gradient that was replaced instead of accumulated in place missed its reduction: never
  // expected (autograd accumulates into an existing .grad), so fail loudly rather than diverge.
  TORCH_CHECK(!rebind_views_if_needed(), "a gradient left the flat buffer during backward; cannot reduce it");
}

torch::Tensor GradientSynchronizer::grad_norm() const { return flat_.norm(); }

}  // namespace sst::dist
