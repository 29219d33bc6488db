// The input pipeline: while step s trains, a background thread reads and pads (and, on a GPU,
// copies) the batches of step s+1. Steps are consumed in order; asking for any other step (the
// first one, or after a resume) produces it synchronously and restarts the pipeline from there.
#pragma once
#include <cstdint>
#include <functional>
#include <future>
#include <vector>

#include "shard/batch.h"

namespace sst::shard {

class BatchPrefetcher {
 public:
  // `produce(step)` returns the step's input for this rank. It runs on the background
  // thread, so it must not share unsynchronized state with the main thread.
  using Producer = std::function<StepInput(int64_t step)>;
  BatchPrefetcher(Producer produce, bool background);
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // Step `step`'s input; starts producing step + 1. Rethrows a producer's exception.
  StepInput get(int64_t step);
  bool background() const { return background_; }

 private:
  Producer produce_;
  bool background_;
  int64_t pending_step_ = -1;
  std::future<StepInput> pending_;
};

}  // namespace sst::shard
