// Padded batches from token lists (shard/batch.h: make_batch, unique_tokens): [CLS] first, padded to the
// batch's longest example, the padding masked, long examples cut to max_len and counted, and the token
// ids a step looks up. Reading splits from a file is test_split_reader.cpp's.
#include <gtest/gtest.h>

#include <vector>

#include "shard/batch.h"

namespace {

sst::dataset::TokenizerInfo tokenizer() {
  sst::dataset::TokenizerInfo tok;
  tok.pad_id = 0;
  tok.cls_id = 2;
  return tok;
}

torch::Tensor longs(std::vector<int64_t> v) { return torch::tensor(v, torch::kLong); }

}  // namespace

TEST(Batch, ClsFirstPaddedToTheLongestExampleWithThePaddingMasked) {
  const auto b = sst::shard::make_batch({{5, 6}, {7, 8, 9, 10}, {}}, {1, 0, 1}, tokenizer(), 16);
  ASSERT_EQ(b.size(), 3);
  ASSERT_EQ(b.ids.size(1), 5);  // [CLS] + the longest example's 4 tokens
  EXPECT_TRUE(torch::equal(b.ids[0], longs({2, 5, 6, 0, 0})));
  EXPECT_TRUE(torch::equal(b.ids[1], longs({2, 7, 8, 9, 10})));
  EXPECT_TRUE(torch::equal(b.ids[2], longs({2, 0, 0, 0, 0})));  // an empty example is its [CLS]
  EXPECT_TRUE(torch::equal(b.pad_mask, b.ids == 0)) << "true exactly at the padding";
  EXPECT_TRUE(torch::equal(b.labels, longs({1, 0, 1})));
  EXPECT_EQ(b.real_tokens, 3 + 5 + 1);
  EXPECT_EQ(b.truncated, 0);
}

TEST(Batch, LongExamplesAreCutToMaxLenAndCounted) {
  const auto b = sst::shard::make_batch({{5, 6, 7, 8, 9, 10}, {5, 6, 7}, {5}}, {0, 0, 1}, tokenizer(), 4);
  ASSERT_EQ(b.ids.size(1), 4);  // max_len, [CLS] included
  EXPECT_TRUE(torch::equal(b.ids[0], longs({2, 5, 6, 7})));
  EXPECT_TRUE(torch::equal(b.ids[1], longs({2, 5, 6, 7})));  // exactly max_len: not cut
  EXPECT_TRUE(torch::equal(b.ids[2], longs({2, 5, 0, 0})));
  EXPECT_EQ(b.truncated, 1);
  EXPECT_EQ(b.real_tokens, 4 + 4 + 2);
}

TEST(Batch, UniqueTokensAreSortedAndIncludePaddingAndCls) {
  const auto a = sst::shard::make_batch({{9, 5}, {5}}, {0, 1}, tokenizer(), 8);
  const auto b = sst::shard::make_batch({{7, 9, 9}}, {1}, tokenizer(), 8);
  EXPECT_TRUE(torch::equal(sst::shard::unique_tokens({a, b}), longs({0, 2, 5, 7, 9})));
  EXPECT_TRUE(torch::equal(sst::shard::unique_tokens({b}), longs({2, 7, 9})));  // no padding in b
}
