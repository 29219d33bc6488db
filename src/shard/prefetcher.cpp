#include "shard/prefetcher.h"

#ifdef SST_TORCH_CUDA  // a CUDA LibTorch
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#if __has_include(<c10/cuda/CUDAEvent.h>)  // where newer LibTorch keeps the event (no at::cuda alias)
#include <c10/cuda/CUDAEvent.h>
using CudaEvent = c10::cuda::CUDAEvent;
#else
#include <ATen/cuda/CUDAEvent.h>
using CudaEvent = at::cuda::CUDAEvent;
#endif
#endif

namespace sst::shard {

struct BatchPrefetcher::CopyDone {
#ifdef SST_TORCH_CUDA
  CudaEvent event;
  c10::DeviceIndex device = 0;
#endif
};

namespace {

template <class F>
void for_each_device_tensor(StepInput& in, F f) {
  for (auto& b : in.micro) {
    f(b.ids);
    f(b.pad_mask);
    f(b.labels);
  }
  if (in.token_rows_device.defined()) f(in.token_rows_device);
}

// Puts a host input on `device`; returns what the consumer must wait for (CUDA), or nothing.
std::shared_ptr<BatchPrefetcher::CopyDone> stage(StepInput& in, const torch::Device& device) {
  if (device.is_cpu()) {
    in.token_rows_device = in.token_rows;
    return nullptr;
  }
  in.token_rows_device = in.token_rows;  // copied with the batches below
#ifdef SST_TORCH_CUDA
  if (device.is_cuda()) {
    auto done = std::make_shared<BatchPrefetcher::CopyDone>();
    done->device = device.has_index() ? device.index() : c10::cuda::current_device();
    c10::cuda::CUDAGuard device_guard(done->device);
    // The copies run on a side stream, so they overlap the compute stream's kernels; pinned host memory
    // makes them truly asynchronous (the caching host allocator keeps it until they complete).
    c10::cuda::CUDAStreamGuard stream_guard(c10::cuda::getStreamFromPool(false, done->device));
    for_each_device_tensor(in, [&](torch::Tensor& t) { t = t.pin_memory().to(device, /*non_blocking=*/true); });
    done->event.record(c10::cuda::getCurrentCUDAStream(done->device));
    return done;
  }
#endif
  for_each_device_tensor(in, [&](torch::Tensor& t) { t = t.to(device); });
  return nullptr;
}

// On the consumer's thread: its current stream waits for the copies (no host wait), and the caching
// allocator learns that the tensors are used there.
void use_on_current_stream(StepInput& in, BatchPrefetcher::CopyDone* done) {
#ifdef SST_TORCH_CUDA
  if (!done) return;
  const auto stream = c10::cuda::getCurrentCUDAStream(done->device);
  done->event.block(stream);
  for_each_device_tensor(
      in, [&](torch::Tensor& t) { c10::cuda::CUDACachingAllocator::recordStream(t.storage().data_ptr(), stream); });
#else
  (void)in, (void)done;
#endif
}

}  // namespace

BatchPrefetcher::BatchPrefetcher(Producer produce, bool background, torch::Device device)
    : produce_(std::move(produce)), background_(background), device_(device) {
  if (background_) worker_ = std::thread([this] { worker_loop(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

BatchPrefetcher::Staged BatchPrefetcher::produce_staged(int64_t step) const {
  Staged s;
  s.step = step;
  try {
    s.input = produce_(step);
    s.copied = stage(s.input, device_);
  } catch (...) {
    s.error = std::current_exception();
  }
  return s;
}

void BatchPrefetcher::worker_loop() {
  for (;;) {
    int64_t step;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || requested_ >= 0; });
      if (stop_) return;
      step = requested_;
      requested_ = -1;
      busy_ = true;
    }
    Staged s = produce_staged(step);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_ = std::move(s);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

BatchPrefetcher::Staged BatchPrefetcher::take(int64_t step) {
  std::unique_lock<std::mutex> lock(mu_);
  // A read asked for earlier finishes first: it is this step's, or a stale one that must not race the
  // synchronous read below (the producer need not be reentrant).
  cv_.wait(lock, [this] { return requested_ < 0 && !busy_; });
  if (ready_ && ready_->step == step) {
    Staged s = std::move(*ready_);
    ready_.reset();
    return s;
  }
  ready_.reset();
  lock.unlock();
  return produce_staged(step);
}

StepInput BatchPrefetcher::get(int64_t step) {
  Staged s = take(step);
  if (s.error) std::rethrow_exception(s.error);
  if (background_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requested_ = step + 1;
    }
    cv_.notify_all();
  }
  use_on_current_stream(s.input, s.copied.get());
  return std::move(s.input);
}

const StepInput& BatchPrefetcher::peek(int64_t step) {
  Staged s = take(step);
  if (s.error) std::rethrow_exception(s.error);
  std::lock_guard<std::mutex> lock(mu_);  // nothing is in flight: take() waited, and get() was not called
  ready_ = std::move(s);
  return ready_->input;
}

}  // namespace sst::shard
