// The batch schedule behind world-size invariance and resume: global batches are a function of
// (seed, step) only, and ranks' slices partition them.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "shard/sampler.h"

using sst::shard::GlobalBatchSampler;

namespace {
std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

TEST(SeededPermutation, IsAPermutationAndDependsOnSeed) {
  auto a = sst::shard::seeded_permutation(1000, 7);
  auto b = sst::shard::seeded_permutation(1000, 7);
  auto c = sst::shard::seeded_permutation(1000, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(1000));
}

TEST(Sampler, RankSlicesPartitionTheGlobalBatchForEveryWorldSize) {
  GlobalBatchSampler s(iota(1000), 32, 3);
  for (int64_t step : {0, 5, 31, 40, 95}) {
    auto global = s.global_batch(step);
    ASSERT_EQ(global.size(), 32u);
    for (int world : {1, 2, 4, 8, 16, 32}) {
      std::vector<int64_t> joined;
      for (int r = 0; r < world; ++r) {
        auto slice = s.local_slice(step, r, world);
        EXPECT_EQ(static_cast<int>(slice.size()), 32 / world);
        joined.insert(joined.end(), slice.begin(), slice.end());
      }
      EXPECT_EQ(joined, global) << "step " << step << " world " << world;
    }
  }
}

TEST(Sampler, EachEpochVisitsEveryExampleAtMostOnceAndEpochsDiffer) {
  GlobalBatchSampler s(iota(100), 10, 1);
  ASSERT_EQ(s.batches_per_epoch(), 10);
  std::set<int64_t> seen;
  std::vector<int64_t> epoch0, epoch1;
  for (int step = 0; step < 10; ++step) {
    for (auto id : s.global_batch(step)) {
      EXPECT_TRUE(seen.insert(id).second) << "example " << id << " twice in epoch 0";
      epoch0.push_back(id);
    }
  }
  EXPECT_EQ(seen.size(), 100u);
  for (int step = 10; step < 20; ++step)
    for (auto id : s.global_batch(step)) epoch1.push_back(id);
  EXPECT_NE(epoch0, epoch1);
}

TEST(Sampler, BatchAtAStepDoesNotDependOnHistory) {
  // A resumed run asks for step 57 first; a straight run got there through steps 0..56.
  GlobalBatchSampler straight(iota(500), 16, 9), resumed(iota(500), 16, 9);
  std::vector<int64_t> expected;
  for (int step = 0; step <= 57; ++step) expected = straight.global_batch(step);
  EXPECT_EQ(resumed.global_batch(57), expected);
}

TEST(Sampler, WorldNotDividingTheBatchIsAnError) {
  GlobalBatchSampler s(iota(100), 10, 1);
  EXPECT_THROW(s.local_slice(0, 0, 3), sst::UserError);
}

TEST(Sampler, PoolSmallerThanTheBatchIsAnError) { EXPECT_THROW(GlobalBatchSampler(iota(5), 10, 1), sst::UserError); }

TEST(NestedSubset, SmallerFractionsAreContainedInLargerOnes) {
  auto small = sst::shard::nested_subset(1000, 1.0 / 64, 5);
  auto half = sst::shard::nested_subset(1000, 0.5, 5);
  auto all = sst::shard::nested_subset(1000, 1.0, 5);
  EXPECT_EQ(small.size(), 16u);  // ceil(1000/64)
  EXPECT_EQ(half.size(), 500u);
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_TRUE(std::equal(small.begin(), small.end(), half.begin()));
  EXPECT_TRUE(std::equal(half.begin(), half.end(), all.begin()));
  EXPECT_THROW(sst::shard::nested_subset(1000, 0.0, 5), sst::UserError);
}

namespace {
// Example id -> a length in [1, 60], unrelated to the id's order.
std::vector<int32_t> lengths_for(int64_t n) {
  std::vector<int32_t> len(n);
  for (int64_t i = 0; i < n; ++i) len[i] = static_cast<int32_t>(1 + (i * 37) % 60);
  return len;
}
// Tokens computed with dynamic padding: each batch padded to its longest example.
int64_t padded_tokens(const GlobalBatchSampler& s, const std::vector<int32_t>& len, int64_t steps) {
  int64_t total = 0;
  for (int64_t step = 0; step < steps; ++step) {
    auto batch = s.global_batch(step);
    int32_t longest = 0;
    for (int64_t id : batch) longest = std::max(longest, len[id]);
    total += longest * static_cast<int64_t>(batch.size());
  }
  return total;
}
}  // namespace

TEST(LengthBucketing, EachEpochStillVisitsEveryKeptExampleOnce) {
  const int64_t n = 1000, B = 16;
  GlobalBatchSampler s(iota(n), B, 3, /*bucket_window=*/8, lengths_for(n));
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::set<int64_t> seen;
    for (int64_t step = epoch * s.batches_per_epoch(); step < (epoch + 1) * s.batches_per_epoch(); ++step)
      for (int64_t id : s.global_batch(step)) EXPECT_TRUE(seen.insert(id).second) << "example " << id << " twice";
    EXPECT_EQ(static_cast<int64_t>(seen.size()), s.batches_per_epoch() * B);
  }
}

TEST(LengthBucketing, CutsPaddingAndIsDeterministic) {
  const int64_t n = 4096, B = 32;
  auto len = lengths_for(n);
  GlobalBatchSampler plain(iota(n), B, 5);
  GlobalBatchSampler bucketed(iota(n), B, 5, 16, len);
  GlobalBatchSampler again(iota(n), B, 5, 16, len);
  const int64_t steps = plain.batches_per_epoch();
  int64_t real = 0;
  for (int64_t step = 0; step < steps; ++step)
    for (int64_t id : plain.global_batch(step)) real += len[id];
  // Lengths are uniform on [1, 60]: random batches pad almost everything to ~60, sorted windows
  // of 512 examples leave only ~60/16 tokens of spread per batch.
  EXPECT_GT(padded_tokens(plain, len, steps), 1.7 * real);
  EXPECT_LT(padded_tokens(bucketed, len, steps), 1.1 * real);
  for (int64_t step : {0, 5, 127, 128, 300}) EXPECT_EQ(bucketed.global_batch(step), again.global_batch(step));
  // Batches are shuffled after sorting: the first steps are not simply the shortest sentences.
  EXPECT_GT(len[bucketed.global_batch(0)[0]] + len[bucketed.global_batch(1)[0]] + len[bucketed.global_batch(2)[0]], 6);
}

TEST(LengthBucketing, NeedsALengthForEveryExample) {
  EXPECT_THROW(GlobalBatchSampler(iota(100), 10, 1, 4, std::vector<int32_t>(50, 1)), sst::UserError);
}
