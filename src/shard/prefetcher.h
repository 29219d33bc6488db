// The input pipeline: while step s trains, one persistent background thread reads and pads the
// batches of step s+1 and stages them on the training device. Steps are consumed in order; asking for
// any other step (the first one, or after a resume) produces it synchronously and restarts the
// pipeline from there.
//
// Staging: on the CPU the batches are used where they were read. On CUDA (a CUDA LibTorch) the thread
// copies them into pinned host memory and from there to the device with non_blocking copies on a side
// stream, and records an event after them; get() makes the caller's current stream wait for that event
// (no host wait) and marks the device tensors as used on that stream, so the caching allocator does not
// hand their memory back to the side stream while the step still reads it.
#pragma once
#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "shard/batch.h"

namespace sst::shard {

class BatchPrefetcher {
 public:
  // `produce(step)` returns the step's input for this rank on the host (token_rows_device is filled
  // by the staging). It runs on the background thread, so it must not share unsynchronized state with
  // the main thread. `device`: where the batches are trained.
  using Producer = std::function<StepInput(int64_t step)>;
  BatchPrefetcher(Producer produce, bool background, torch::Device device = torch::kCPU);
  // Stops the thread; a read in flight finishes first (its result is dropped).
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // Step `step`'s input, on the device; starts producing step + 1. Rethrows the producer's exception
  // for `step` (a failed read ahead of a step that is never asked for is dropped).
  StepInput get(int64_t step);
  // The host side of step `step`'s input (token_rows), waiting for it if it is still being read; the
  // next get(step) returns the same input. Used to agree on the next step's sparse rows ahead of it.
  const StepInput& peek(int64_t step);
  bool background() const { return background_; }

  struct CopyDone;  // CUDA: the event recorded after a staged input's copies

 private:
  struct Staged {
    int64_t step = -1;
    StepInput input;
    std::shared_ptr<CopyDone> copied;
    std::exception_ptr error;
  };
  Staged produce_staged(int64_t step) const;  // produce + stage, on whichever thread calls it
  Staged take(int64_t step);                  // the staged input of `step`: read ahead, or produced now
  void worker_loop();

  Producer produce_;
  bool background_;
  torch::Device device_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t requested_ = -1;  // the step the thread is asked to produce next; -1: none
  bool busy_ = false;       // the thread is producing `requested_`
  std::optional<Staged> ready_;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace sst::shard
