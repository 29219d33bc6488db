// Inference over a split (train/evaluate.h): class probabilities that do not depend on the batch size,
// the model's mode left as it was, and each rank's strided share of the dev sums adding up to the whole
// split's. A tiny untrained model on a 20-example file; CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "checkpoint_fixture.h"
#include "dataset/dataset_file.h"
#include "test_support.h"
#include "train/evaluate.h"

namespace {

// A 20-example split "dev" of 1-5 tokens each, labels alternating.
std::string write_split(const sst::test::TempDir& dir) {
  sst::dataset::TokenizerInfo tok;
  tok.model_proto = "proto";
  tok.type = "bpe";
  tok.vocab_size = 40;
  sst::dataset::Split s;
  s.name = "dev";
  s.offsets = {0};
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j <= i % 5; ++j) s.tokens.push_back(4 + (3 * i + j) % 36);
    s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
    s.labels.push_back(static_cast<int8_t>(i % 2));
  }
  s.source_file = "dev.tsv";
  s.source_sha256 = std::string(64, 'a');
  const std::string path = dir / "d.h5";
  sst::dataset::write_dataset_file(path, tok, {s}, "test");
  return path;
}

// The checkpoint tests' tiny encoder, over this file's 40-token vocabulary.
sst::TransformerClassifier tiny_model() {
  sst::ModelConfig cfg = sst::checkpoint_test::tiny_config();
  cfg.vocab_size = 40;
  torch::manual_seed(5);
  return sst::TransformerClassifier(cfg);
}

}  // namespace

TEST(Evaluate, ProbabilitiesDoNotDependOnTheBatchSizeAndTheModeIsRestored) {
  sst::test::TempDir dir("evaluate");
  const sst::dataset::DatasetFile file(write_split(dir));
  const sst::shard::SplitReader split(file, "dev");
  auto model = tiny_model();
  model->train();
  std::vector<int64_t> ids = {3, 0, 19, 7, 7};
  const auto p = sst::predict_probabilities(model, split, ids, torch::kCPU);
  EXPECT_TRUE(model->is_training()) << "the caller's mode is left as it was";
  ASSERT_EQ(p.sizes(), (std::vector<int64_t>{5, 2}));
  EXPECT_TRUE(torch::allclose(p.sum(1), torch::ones({5})));
  EXPECT_TRUE(torch::equal(p[3], p[4])) << "the same example twice";
  for (int64_t batch : {1, 2, 128})
    EXPECT_TRUE(torch::allclose(sst::predict_probabilities(model, split, ids, torch::kCPU, batch), p, 1e-5, 1e-6))
        << "batch size " << batch;
  EXPECT_EQ(sst::predict_probabilities(model, split, {}, torch::kCPU).sizes(), (std::vector<int64_t>{0, 2}));
}

TEST(Evaluate, RankSharesAddUpToTheWholeSplit) {
  sst::test::TempDir dir("evaluate");
  const sst::dataset::DatasetFile file(write_split(dir));
  const sst::shard::SplitReader split(file, "dev");
  auto model = tiny_model();
  const auto whole = sst::evaluate_share(model, split, 0, 1, torch::kCPU);
  EXPECT_EQ(whole.count, 20);
  // The loss is -sum log p(label) of the probabilities.
  std::vector<int64_t> all(20);
  for (int64_t i = 0; i < 20; ++i) all[i] = i;
  const auto p = sst::predict_probabilities(model, split, all, torch::kCPU);
  double loss = 0, correct = 0;
  for (int64_t i = 0; i < 20; ++i) {
    loss -= std::log(p[i][i % 2].item<double>());
    correct += p[i].argmax().item<int64_t>() == i % 2 ? 1 : 0;
  }
  EXPECT_NEAR(whole.loss_sum, loss, 1e-4);
  EXPECT_EQ(whole.correct, correct);
  // Three ranks: examples r, r + 3, ...; their sums add up to the whole.
  sst::EvalSums sum;
  for (int r = 0; r < 3; ++r) {
    const auto share = sst::evaluate_share(model, split, r, 3, torch::kCPU);
    EXPECT_EQ(share.count, r < 2 ? 7 : 6) << "rank " << r;
    sum.loss_sum += share.loss_sum;
    sum.correct += share.correct;
    sum.count += share.count;
  }
  EXPECT_NEAR(sum.loss_sum, whole.loss_sum, 1e-4);
  EXPECT_EQ(sum.correct, whole.correct);
  EXPECT_EQ(sum.count, whole.count);
  // More ranks than examples: an empty share is all zeros.
  const auto none = sst::evaluate_share(model, split, 25, 30, torch::kCPU);
  EXPECT_EQ(none.count, 0);
  EXPECT_EQ(none.loss_sum, 0);
}
