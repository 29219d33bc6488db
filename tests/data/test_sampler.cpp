// The batch schedule behind world-size invariance and resume: global batches are a function of
// (seed, step) only, and ranks' slices partition them.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "data/sampler.h"

using sst::data::GlobalBatchSampler;

namespace {
std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

TEST(SeededPermutation, IsAPermutationAndDependsOnSeed) {
  auto a = sst::data::seeded_permutation(1000, 7);
  auto b = sst::data::seeded_permutation(1000, 7);
  auto c = sst::data::seeded_permutation(1000, 8);
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
  auto small = sst::data::nested_subset(1000, 1.0 / 64, 5);
  auto half = sst::data::nested_subset(1000, 0.5, 5);
  auto all = sst::data::nested_subset(1000, 1.0, 5);
  EXPECT_EQ(small.size(), 16u);  // ceil(1000/64)
  EXPECT_EQ(half.size(), 500u);
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_TRUE(std::equal(small.begin(), small.end(), half.begin()));
  EXPECT_TRUE(std::equal(half.begin(), half.end(), all.begin()));
  EXPECT_THROW(sst::data::nested_subset(1000, 0.0, 5), sst::UserError);
}
