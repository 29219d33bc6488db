// The model's contract: padding never changes a prediction, attention weights are exposed by the
// same forward pass, and parameter counts match the architecture.
#include <gtest/gtest.h>

#include "data/batch.h"
#include "model/transformer.h"

namespace {

sst::ModelConfig small_config(const std::string& pooling) {
  sst::ModelConfig c;
  c.vocab_size = 50;
  c.d_model = 32;
  c.layers = 2;
  c.heads = 4;
  c.ff_dim = 64;
  c.max_len = 24;
  c.dropout = 0.1;
  c.pooling = pooling;
  return c;
}

sst::data::TokenizerInfo tok() {
  sst::data::TokenizerInfo t;
  t.vocab_size = 50;
  return t;  // pad 0, unk 1, cls 2, eos 3
}

}  // namespace

class PaddingInvariance : public ::testing::TestWithParam<std::string> {};

TEST_P(PaddingInvariance, AppendingPaddingLeavesLogitsUnchanged) {
  torch::manual_seed(0);
  sst::TransformerClassifier model(small_config(GetParam()));
  model->eval();
  std::vector<std::vector<int32_t>> sentences = {{5, 6, 7}, {8, 9, 10, 11, 12, 13}, {14}};
  auto b = sst::data::make_batch(sentences, {0, 1, 0}, tok(), 24);
  ASSERT_EQ(b.ids.size(1), 7);  // [CLS] + longest sentence
  auto logits = model->forward(b.ids, b.pad_mask);

  // The same batch padded to 20 positions.
  const int64_t extra = 13;
  auto ids = torch::cat({b.ids, torch::zeros({3, extra}, torch::kLong)}, 1);
  auto mask = torch::cat({b.pad_mask, torch::ones({3, extra}, torch::kBool)}, 1);
  auto padded_logits = model->forward(ids, mask);
  EXPECT_TRUE(torch::allclose(logits, padded_logits, 1e-5, 1e-6)) << logits << padded_logits;

  // And each sentence alone (no padding at all) gives the same logits as in the batch.
  for (int i = 0; i < 3; ++i) {
    auto one = sst::data::make_batch({sentences[i]}, {0}, tok(), 24);
    auto l = model->forward(one.ids, one.pad_mask);
    EXPECT_TRUE(torch::allclose(l[0], logits[i], 1e-5, 1e-6)) << "sentence " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Pooling, PaddingInvariance, ::testing::Values("cls", "mean"));

TEST(Transformer, AttentionWeightsAreRowStochasticAndIgnorePadding) {
  torch::manual_seed(1);
  sst::TransformerClassifier model(small_config("cls"));
  model->eval();
  auto b = sst::data::make_batch({{5, 6}, {7, 8, 9, 10}}, {0, 1}, tok(), 24);
  std::vector<torch::Tensor> attn;
  auto with = model->forward(b.ids, b.pad_mask, &attn);
  auto without = model->forward(b.ids, b.pad_mask);
  EXPECT_TRUE(torch::allclose(with, without, 1e-5, 1e-6)) << "capturing attention must not change the output";
  ASSERT_EQ(attn.size(), 2u);
  for (const auto& w : attn) {
    ASSERT_EQ(w.sizes(), torch::IntArrayRef({2, 4, 5, 5}));
    EXPECT_TRUE(torch::allclose(w.sum(-1), torch::ones({2, 4, 5}), 1e-5, 1e-6));
    // Sentence 0 has [CLS] + 2 tokens: keys 3 and 4 are padding and get exactly zero weight.
    EXPECT_EQ(w[0].narrow(-1, 3, 2).abs().max().item<float>(), 0.0f);
  }
}

TEST(Transformer, ParameterCountsMatchTheArchitecture) {
  auto c = small_config("cls");
  sst::TransformerClassifier model(c);
  const int64_t d = c.d_model, f = c.ff_dim;
  const int64_t per_layer = 2 * (2 * d) + (d * 3 * d + 2 * d) + (d * d + d) + (d * f + f) + (f * d + d);
  const int64_t embeddings = c.vocab_size * d + c.max_len * d;
  EXPECT_EQ(model->num_embedding_params(), embeddings);
  EXPECT_EQ(model->num_params(), embeddings + c.layers * per_layer + 2 * d + (2 * d + 2));
}

TEST(Transformer, DropoutOnlyActsInTraining) {
  torch::manual_seed(2);
  sst::TransformerClassifier model(small_config("mean"));
  auto b = sst::data::make_batch({{5, 6, 7, 8}}, {1}, tok(), 24);
  model->eval();
  auto a = model->forward(b.ids, b.pad_mask), a2 = model->forward(b.ids, b.pad_mask);
  EXPECT_TRUE(torch::equal(a, a2));
  model->train();
  torch::manual_seed(3);
  auto t1 = model->forward(b.ids, b.pad_mask);
  torch::manual_seed(4);
  auto t2 = model->forward(b.ids, b.pad_mask);
  EXPECT_FALSE(torch::equal(t1, t2));
}

TEST(MakeBatch, TruncatesToMaxLenAndCountsIt) {
  std::vector<int32_t> longs(40, 7);
  auto b = sst::data::make_batch({longs, {5}}, {1, 0}, tok(), 16);
  EXPECT_EQ(b.ids.size(1), 16);
  EXPECT_EQ(b.truncated, 1);
  EXPECT_EQ(b.real_tokens, 16 + 2);
  EXPECT_EQ(b.ids[0][0].item<int64_t>(), 2);  // [CLS]
  EXPECT_TRUE(b.pad_mask[1][2].item<bool>());
  EXPECT_FALSE(b.pad_mask[1][1].item<bool>());
}
