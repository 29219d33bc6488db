#include "shard/prefetcher.h"

namespace sst::shard {

BatchPrefetcher::BatchPrefetcher(Producer produce, bool background)
    : produce_(std::move(produce)), background_(background) {}

BatchPrefetcher::~BatchPrefetcher() {
  // Let an in-flight read finish before the objects it uses go away; its result is not needed.
  if (pending_.valid()) pending_.wait();
}

StepInput BatchPrefetcher::get(int64_t step) {
  StepInput batches;
  if (pending_.valid() && pending_step_ == step) {
    batches = pending_.get();
  } else {
    if (pending_.valid()) pending_.wait();  // a stale read must not race the synchronous one
    pending_ = {};
    batches = produce_(step);
  }
  if (background_) {
    pending_step_ = step + 1;
    pending_ = std::async(std::launch::async, produce_, step + 1);
  }
  return batches;
}

}  // namespace sst::shard
