// Which examples make up each global batch, and which slice of it each rank trains on.
//
// The sequence of global batches is a pure function of (pool, global_batch, seed): epoch e is a
// seeded permutation of the pool cut into floor(|pool| / B) full batches (the remainder is dropped,
// so every step sees exactly B examples). Rank r of W takes the contiguous slice
// [r*B/W, (r+1)*B/W) of global batch s, so for any W dividing B the union over ranks is the same
// batch: the step's gradient is world-size invariant (DistributedSampler semantics). Because the
// position is derived from the step alone, resuming at step s needs nothing but s.
//
// Length bucketing (bucket_window > 0) cuts padding: each window of bucket_window consecutive
// batches of the epoch's permutation is sorted by length, cut into batches, and the epoch's batches
// are then shuffled. Batches hold sentences of similar length, so dynamic padding adds little, and
// the batch sequence is still a function of (pool, B, seed, window, lengths) only.
#pragma once
#include <cstdint>
#include <vector>

namespace sst::shard {

// A permutation of [0, n) from a seed: Fisher-Yates driven by SplitMix64 (portable, unlike std::shuffle).
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed);

// The first ceil(fraction * n) examples of one fixed permutation: subsets for smaller fractions are
// contained in those for larger ones (nested), which is what a data-size sweep needs.
std::vector<int64_t> nested_subset(int64_t n, double fraction, uint64_t subset_seed);

class GlobalBatchSampler {
 public:
  // `lengths[id]` (needed only when bucket_window > 0) is example id's length as the model sees it.
  GlobalBatchSampler(std::vector<int64_t> pool, int64_t global_batch, uint64_t seed, int64_t bucket_window = 0,
                     std::vector<int32_t> lengths = {});

  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  int64_t epoch_of(int64_t step) const { return step / batches_per_epoch_; }
  // Example ids of global batch `step` (steps count across epochs, from 0).
  std::vector<int64_t> global_batch(int64_t step) const;
  // This rank's contiguous slice of it; world must divide the global batch.
  std::vector<int64_t> local_slice(int64_t step, int rank, int world) const;

 private:
  const std::vector<int64_t>& epoch_order(int64_t epoch) const;
  void bucket_by_length(uint64_t shuffle_seed) const;  // rearranges cached_order_

  std::vector<int64_t> pool_;
  int64_t global_batch_;
  uint64_t seed_;
  int64_t bucket_window_;
  std::vector<int32_t> lengths_;
  int64_t batches_per_epoch_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> cached_order_;
};

}  // namespace sst::shard
