// MFU's FLOP count, defined once (model/flops.h): the effective length is token-weighted, so tokens x
// the attention term equals the attention work summed over sequences, and the model's own count is the
// same function of its shapes.
#include <gtest/gtest.h>

#include <random>

#include "model/flops.h"
#include "model/transformer.h"
#include "tiny_config.h"

TEST(EffectiveLength, IsTheTokenWeightedMeanNotThePlainMean) {
  EXPECT_EQ(sst::effective_length({}), 0.0);
  EXPECT_DOUBLE_EQ(sst::effective_length({7, 7, 7}), 7.0);
  // Lengths 2 and 10: the plain mean is 6, the token-weighted mean (4 + 100) / 12.
  EXPECT_DOUBLE_EQ(sst::effective_length({2, 10}), 104.0 / 12.0);
}

TEST(TrainFlopsPerToken, TimesTokensIsSixNTokensPlusTheAttentionOfEachSequence) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> len(1, 64);
  std::vector<int32_t> lengths(300);
  for (auto& t : lengths) t = len(rng);
  const int64_t n = 123456, layers = 3, d = 48;
  double tokens = 0, expected = 0;
  for (int32_t t : lengths) {
    tokens += t;
    expected += 6.0 * n * t + 12.0 * layers * d * static_cast<double>(t) * t;  // 12 L d t^2 per sequence
  }
  const double per_token = sst::train_flops_per_token(n, layers, d, sst::effective_length(lengths));
  EXPECT_NEAR(per_token * tokens, expected, 1e-9 * expected);
  EXPECT_DOUBLE_EQ(sst::train_flops_per_token(1000, 2, 8, 2.5), 6000.0 + 12.0 * 2 * 8 * 2.5);
}

TEST(TrainFlopsPerToken, TheModelCountsItsNonEmbeddingWeights) {
  const sst::ModelConfig c = sst::test::tiny_model_config(50, 32, 2, 4, 64, 24);
  sst::TransformerClassifier model(c);
  EXPECT_DOUBLE_EQ(model->train_flops_per_token(9.5),
                   sst::train_flops_per_token(model->num_non_embedding_params(), 2, 32, 9.5));
  EXPECT_GT(model->num_non_embedding_params(), 2 * 4 * 32 * 32);  // at least the attention projections
}
