#include "shard/sampler.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/splitmix.h"

namespace sst::shard {

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> p(n);
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  uint64_t state = seed;
  for (int64_t i = n - 1; i > 0; --i) {
    // Modulo bias is below 2^-40 for any realistic n: irrelevant for shuffling.
    int64_t j = static_cast<int64_t>(splitmix64(state) % static_cast<uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

std::vector<int64_t> nested_subset(int64_t n, double fraction, uint64_t subset_seed) {
  if (!(fraction > 0 && fraction <= 1)) throw UserError("data fraction must be in (0, 1]");
  auto p = seeded_permutation(n, subset_seed);
  p.resize(static_cast<size_t>(std::ceil(fraction * static_cast<double>(n))));
  return p;
}

GlobalBatchSampler::GlobalBatchSampler(std::vector<int64_t> pool, int64_t global_batch, uint64_t seed,
                                       int64_t bucket_window, std::vector<int32_t> lengths)
    : pool_(std::move(pool)),
      global_batch_(global_batch),
      seed_(seed),
      bucket_window_(bucket_window),
      lengths_(std::move(lengths)) {
  if (bucket_window_ < 0) throw UserError("length bucketing window must be >= 0");
  for (int64_t id : pool_)
    if (bucket_window_ > 0 && (id < 0 || id >= static_cast<int64_t>(lengths_.size())))
      throw UserError("length bucketing: no length for example " + std::to_string(id));
  batches_per_epoch_ = static_cast<int64_t>(pool_.size()) / global_batch_;
  if (batches_per_epoch_ == 0)
    throw UserError("train set of " + std::to_string(pool_.size()) + " examples is smaller than the global batch " +
                    std::to_string(global_batch_));
}

const std::vector<int64_t>& GlobalBatchSampler::epoch_order(int64_t epoch) const {
  if (epoch != cached_epoch_) {
    // Distinct, well-mixed seed per epoch.
    uint64_t s = seed_ * 0x100000001b3ULL + static_cast<uint64_t>(epoch) + 1;
    auto perm = seeded_permutation(static_cast<int64_t>(pool_.size()), splitmix64(s));
    cached_order_.resize(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) cached_order_[i] = pool_[perm[i]];
    if (bucket_window_ > 0) bucket_by_length(splitmix64(s));
    cached_epoch_ = epoch;
  }
  return cached_order_;
}

void GlobalBatchSampler::bucket_by_length(uint64_t shuffle_seed) const {
  // Only the full batches take part (the dropped remainder stays at the end, unsorted).
  const int64_t B = global_batch_;
  const auto used = cached_order_.begin() + batches_per_epoch_ * B;
  const int64_t window = bucket_window_ * B;
  for (auto w = cached_order_.begin(); w < used; w += std::min<int64_t>(window, used - w)) {
    auto end = w + std::min<int64_t>(window, used - w);
    // Stable: equal lengths keep their shuffled order, so the result does not depend on the sort.
    std::stable_sort(w, end, [this](int64_t a, int64_t b) { return lengths_[a] < lengths_[b]; });
  }
  auto batch_order = seeded_permutation(batches_per_epoch_, shuffle_seed);
  std::vector<int64_t> shuffled(cached_order_.size());
  for (int64_t i = 0; i < batches_per_epoch_; ++i)
    std::copy_n(cached_order_.begin() + batch_order[i] * B, B, shuffled.begin() + i * B);
  std::copy(used, cached_order_.end(), shuffled.begin() + batches_per_epoch_ * B);
  cached_order_.swap(shuffled);
}

std::vector<int64_t> GlobalBatchSampler::global_batch(int64_t step) const {
  const auto& order = epoch_order(epoch_of(step));
  int64_t begin = (step % batches_per_epoch_) * global_batch_;
  return {order.begin() + begin, order.begin() + begin + global_batch_};
}

std::vector<int64_t> GlobalBatchSampler::local_slice(int64_t step, int rank, int world) const {
  if (world <= 0 || global_batch_ % world != 0)
    throw UserError("global batch " + std::to_string(global_batch_) + " is not divisible by world size " +
                    std::to_string(world));
  auto batch = global_batch(step);
  int64_t per_rank = global_batch_ / world;
  return {batch.begin() + rank * per_rank, batch.begin() + (rank + 1) * per_rank};
}

}  // namespace sst::shard
