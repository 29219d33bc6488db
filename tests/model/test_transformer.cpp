// The model's contract: padding never changes a prediction, attention weights are exposed by the
// same forward pass, the fused attention kernel (LibTorch 2.x) computes what the explicit path does,
// and parameter counts match the architecture.
#include <gtest/gtest.h>

#include "common/torch_compat.h"
#include "model/transformer.h"
#include "shard/batch.h"
#include "tiny_config.h"

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
  c.pooling = *sst::parse_enum<sst::Pooling>(pooling);
  return c;
}

sst::dataset::TokenizerInfo tok() {
  sst::dataset::TokenizerInfo t;
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
  auto b = sst::shard::make_batch(sentences, {0, 1, 0}, tok(), 24);
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
    auto one = sst::shard::make_batch({sentences[i]}, {0}, tok(), 24);
    auto l = model->forward(one.ids, one.pad_mask);
    EXPECT_TRUE(torch::allclose(l[0], logits[i], 1e-5, 1e-6)) << "sentence " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Pooling, PaddingInvariance, ::testing::Values("cls", "mean"));

TEST(Transformer, AttentionWeightsAreRowStochasticAndIgnorePadding) {
  torch::manual_seed(1);
  sst::TransformerClassifier model(small_config("cls"));
  model->eval();
  auto b = sst::shard::make_batch({{5, 6}, {7, 8, 9, 10}}, {0, 1}, tok(), 24);
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

// LibTorch 2.x: the fused scaled_dot_product_attention (the training path) and the explicit softmax
// path (taken when attention weights are captured) compute the same function: same logits and same
// gradients within 1e-5, on random batches with random amounts of padding.
TEST(FusedAttention, MatchesTheExplicitPathInOutputsAndGradients) {
  if (!sst::compat::kHasFusedAttention)
    GTEST_SKIP() << "LibTorch " << sst::compat::torch_version()
                 << " has no scaled_dot_product_attention: the explicit path is the only one";
  for (const char* pooling : {"cls", "mean"}) {
    torch::manual_seed(11);
    auto c = small_config(pooling);
    c.dropout = 0.0;  // the two paths draw dropout masks differently
    sst::TransformerClassifier model(c);
    model->train();
    for (int trial = 0; trial < 3; ++trial) {
      const int64_t B = 6, T = 12;
      auto ids = torch::randint(4, c.vocab_size, {B, T}, torch::kLong);
      auto lengths = torch::randint(1, T + 1, {B, 1}, torch::kLong);  // [CLS] + 0..T-1 tokens
      auto pad = torch::arange(T, torch::kLong).unsqueeze(0) >= lengths;
      ids.masked_fill_(pad, 0);
      ids.select(1, 0).fill_(2);
      auto weights = torch::randn({B, 2});
      auto run = [&](bool explicit_path) {
        model->zero_grad();
        std::vector<torch::Tensor> attn;
        auto logits = model->forward(ids, pad, explicit_path ? &attn : nullptr);
        (logits * weights).sum().backward();
        std::vector<torch::Tensor> grads;
        for (auto& p : model->parameters()) grads.push_back(p.grad().clone());
        return std::make_pair(logits.detach(), grads);
      };
      auto [fused, fused_grads] = run(false);
      auto [plain, plain_grads] = run(true);
      EXPECT_TRUE(torch::allclose(fused, plain, 1e-5, 1e-5)) << pooling << " trial " << trial;
      auto names = model->named_parameters().keys();
      for (size_t i = 0; i < plain_grads.size(); ++i)
        EXPECT_TRUE(torch::allclose(fused_grads[i], plain_grads[i], 1e-5, 1e-5))
            << pooling << " trial " << trial << ": gradient of " << names[i] << " differs by "
            << (fused_grads[i] - plain_grads[i]).abs().max().item<double>();
    }
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
  auto b = sst::shard::make_batch({{5, 6, 7, 8}}, {1}, tok(), 24);
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

class NoPosition : public ::testing::TestWithParam<std::string> {};

// Without a position embedding the encoder sees a bag of tokens: the prediction cannot depend on
// their order (self-attention is permutation-equivariant; [CLS] stays first, mean pooling sums).
TEST_P(NoPosition, ReorderingTheTokensLeavesLogitsUnchanged) {
  auto c = small_config(GetParam());
  c.position = sst::Position::kNone;
  torch::manual_seed(5);
  sst::TransformerClassifier model(c);
  model->eval();
  EXPECT_EQ(model->num_embedding_params(), c.vocab_size * c.d_model);  // no position table
  auto a = sst::shard::make_batch({{5, 6, 7, 8, 9}}, {1}, tok(), 24);
  auto b = sst::shard::make_batch({{9, 7, 5, 8, 6}}, {1}, tok(), 24);
  auto la = model->forward(a.ids, a.pad_mask), lb = model->forward(b.ids, b.pad_mask);
  EXPECT_TRUE(torch::allclose(la, lb, 1e-5, 1e-6)) << la << lb;

  // With the learned position embedding the same reordering does change them.
  c.position = sst::Position::kLearned;
  torch::manual_seed(5);
  sst::TransformerClassifier positional(c);
  positional->eval();
  EXPECT_FALSE(
      torch::allclose(positional->forward(a.ids, a.pad_mask), positional->forward(b.ids, b.pad_mask), 1e-5, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Pooling, NoPosition, ::testing::Values("cls", "mean"));

TEST(WordDropout, HidesRealTokensButNeverClsOrUnhidesPadding) {
  torch::manual_seed(6);
  auto pad = torch::zeros({400, 30}, torch::kBool);
  pad.narrow(1, 20, 10).fill_(true);  // 19 real tokens after [CLS], then padding
  EXPECT_TRUE(torch::equal(sst::drop_words(pad, 0.0), pad));
  auto dropped = sst::drop_words(pad, 0.25);
  EXPECT_FALSE(dropped.select(1, 0).any().item<bool>()) << "[CLS] must never be dropped";
  EXPECT_TRUE(dropped.narrow(1, 20, 10).all().item<bool>()) << "padding must stay padding";
  const double rate = dropped.narrow(1, 1, 19).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(rate, 0.25, 0.02);
}

TEST(WordDropout, OnlyActsInTraining) {
  auto c = small_config("mean");
  c.dropout = 0.0;
  torch::manual_seed(7);
  sst::TransformerClassifier plain(c);
  c.word_dropout = 0.5;
  torch::manual_seed(7);
  sst::TransformerClassifier dropping(c);
  auto b = sst::shard::make_batch({{5, 6, 7, 8, 9, 10, 11, 12}}, {1}, tok(), 24);
  plain->eval();
  dropping->eval();
  EXPECT_TRUE(torch::equal(plain->forward(b.ids, b.pad_mask), dropping->forward(b.ids, b.pad_mask)));
  plain->train();
  dropping->train();
  torch::manual_seed(8);
  auto with_drop = dropping->forward(b.ids, b.pad_mask);
  EXPECT_FALSE(torch::allclose(with_drop, plain->forward(b.ids, b.pad_mask), 1e-5, 1e-6));
  // ... and equals hiding the same tokens by hand.
  torch::manual_seed(8);
  auto hidden = sst::drop_words(b.pad_mask, 0.5);
  EXPECT_TRUE(torch::allclose(with_drop, plain->forward(b.ids, hidden), 1e-5, 1e-6));
}

TEST(MakeBatch, TruncatesToMaxLenAndCountsIt) {
  std::vector<int32_t> longs(40, 7);
  auto b = sst::shard::make_batch({longs, {5}}, {1, 0}, tok(), 16);
  EXPECT_EQ(b.ids.size(1), 16);
  EXPECT_EQ(b.truncated, 1);
  EXPECT_EQ(b.real_tokens, 16 + 2);
  EXPECT_EQ(b.ids[0][0].item<int64_t>(), 2);  // [CLS]
  EXPECT_TRUE(b.pad_mask[1][2].item<bool>());
  EXPECT_FALSE(b.pad_mask[1][1].item<bool>());
}

// The memory estimate (train/memory_estimate.h) counts parameters from the config alone.
TEST(Transformer, ParameterCountFromTheConfigMatchesTheModel) {
  sst::ModelConfig c = sst::test::tiny_model_config(50, 24, 3, 4, 40, 12);
  for (auto position : {sst::Position::kLearned, sst::Position::kNone}) {
    c.position = position;
    sst::TransformerClassifier m(c);
    EXPECT_EQ(sst::parameter_count(c), static_cast<double>(m->num_params()));
  }
}
