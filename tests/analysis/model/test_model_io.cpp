// Classifier (analysis/model/model_io.cpp): an sst-train checkpoint loaded for inference. A tiny model is
// saved with the synthetic data set's real tokenizer; loading it gives back its config, tokenizer and
// classes and the saved model's predictions (the weight average where there is one), and bad files,
// other data and other classes are refused with one-line UserErrors.
#include "analysis/model/model_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "shard/batch.h"
#include "tests/analysis/model/model_fixtures.h"
#include "tests/train/checkpoint_fixture.h"

namespace sst::analysis::model::model_test {
namespace {

class AnalysisModelIo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = std::make_unique<test::TempDir>("analysis_model_io"); }
  static void TearDownTestSuite() { dir_.reset(); }

  // The tiny encoder of the checkpoint tests over the word tokenizer's vocabulary, initialized from `seed`.
  static TransformerClassifier tiny_model(uint64_t seed) {
    ModelConfig cfg = checkpoint_test::tiny_config();
    cfg.vocab_size = word_tokenizer().vocab_size;
    torch::manual_seed(seed);
    TransformerClassifier m(cfg);
    m->eval();
    return m;
  }
  // What sst-train writes after `step` steps on the synthetic data set.
  static CheckpointMeta meta(const TransformerClassifier& m, int64_t step = 40) {
    CheckpointMeta meta = checkpoint_test::meta_for(m->config(), step);
    meta.tokenizer = word_tokenizer();
    meta.data_schema_version = dataset::kTokenSchemaVersion;
    meta.class_names = {"0", "1"};
    return meta;
  }
  static std::string save(const std::string& name, TransformerClassifier m, const CheckpointMeta& meta,
                          TransformerClassifier average = nullptr) {
    const std::string path = *dir_ / name;
    save_checkpoint(path, m, nullptr, meta, average);
    return path;
  }
  // P(class) of `m` itself on `tokens`: what a loaded copy must give.
  static std::vector<Probs> probs_of(TransformerClassifier& m, const std::vector<std::vector<int32_t>>& tokens) {
    torch::NoGradGuard no_grad;
    const auto b =
        shard::make_batch(tokens, std::vector<int64_t>(tokens.size(), 0), word_tokenizer(), m->config().max_len);
    const auto p = torch::softmax(m->forward(b.ids, b.pad_mask), -1).to(torch::kDouble).contiguous();
    std::vector<Probs> out;
    for (int64_t i = 0; i < p.size(0); ++i) out.emplace_back(p[i].data_ptr<double>(), p[i].data_ptr<double>() + 2);
    return out;
  }
  static double max_diff(const std::vector<Probs>& a, const std::vector<Probs>& b) {
    EXPECT_EQ(a.size(), b.size());
    double d = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
      for (size_t k = 0; k < a[i].size(); ++k) d = std::max(d, std::abs(a[i][k] - b[i][k]));
    return d;
  }
  // Token lists of 1 to 12 ids (longer than max_len 8: truncated alike), every id a word.
  static std::vector<std::vector<int32_t>> token_lists() {
    std::vector<std::vector<int32_t>> out;
    for (int n = 1; n <= 12; ++n) {
      std::vector<int32_t> ids(n);
      for (int t = 0; t < n; ++t) ids[t] = 4 + (7 * n + 3 * t) % (word_tokenizer().vocab_size - 4);
      out.push_back(ids);
    }
    return out;
  }
  // Loading `path`, for EXPECT_THAT(loading(path), one_line_error(...)).
  static auto loading(const std::string& path) {
    return [path] { Classifier c(path); };
  }

  static inline std::unique_ptr<test::TempDir> dir_;
};

TEST_F(AnalysisModelIo, LoadedCheckpointReportsItsConfigStepTokenizerAndClasses) {
  auto m = tiny_model(1);
  const std::string path = save("info.pt", m, meta(m, 37));
  const Classifier c(path);
  const ModelConfig& cfg = m->config();
  EXPECT_EQ(c.info().path, path);
  EXPECT_EQ(c.info().step, 37);
  EXPECT_EQ(c.info().d_model, cfg.d_model);
  EXPECT_EQ(c.info().layers, cfg.layers);
  EXPECT_EQ(c.info().heads, cfg.heads);
  EXPECT_EQ(c.info().max_len, cfg.max_len);
  EXPECT_EQ(c.info().vocab_size, word_tokenizer().vocab_size);
  EXPECT_EQ(c.info().params, m->num_params());
  EXPECT_EQ(c.info().config_ini, meta(m).config_ini);
  EXPECT_EQ(c.tokenizer_info().model_proto, word_tokenizer().model_proto);
  EXPECT_EQ(c.tokenizer_info().cls_id, word_tokenizer().cls_id);
  EXPECT_EQ(c.tokenizer().vocab_size(), word_tokenizer().vocab_size);
  EXPECT_EQ(c.num_classes(), 2);
  EXPECT_EQ(c.class_names(), (std::vector<std::string>{"0", "1"}));
}

TEST_F(AnalysisModelIo, PredictionsAreTheSavedModelsAndNotAnotherInitialization) {
  auto m = tiny_model(1), other = tiny_model(2);
  const Classifier c(save("predict.pt", m, meta(m)));
  const auto got = c.predict(token_lists());
  EXPECT_LT(max_diff(got, probs_of(m, token_lists())), 1e-6);
  EXPECT_GT(max_diff(got, probs_of(other, token_lists())), 1e-4) << "the comparison can tell two models apart";
}

TEST_F(AnalysisModelIo, TheWeightAverageIsWhatIsEvaluatedWhenTheRunKeptOne) {
  auto trained = tiny_model(1), average = tiny_model(3);
  const Classifier c(save("average.pt", trained, meta(trained), average));
  const auto got = c.predict(token_lists());
  EXPECT_LT(max_diff(got, probs_of(average, token_lists())), 1e-6);
  EXPECT_GT(max_diff(got, probs_of(trained, token_lists())), 1e-4);
}

TEST_F(AnalysisModelIo, ProbabilitiesSumToOneAndDoNotDependOnTheBatchSize) {
  auto m = tiny_model(4);
  const Classifier c(save("batches.pt", m, meta(m)));
  const auto whole = c.predict(token_lists());
  ASSERT_EQ(whole.size(), token_lists().size());
  for (const Probs& p : whole) {
    ASSERT_EQ(p.size(), 2u);
    EXPECT_NEAR(p[0] + p[1], 1.0, 1e-6);  // a float softmax
  }
  EXPECT_LT(max_diff(c.predict(token_lists(), 1), whole), 1e-6) << "padding is masked";
  EXPECT_LT(max_diff(c.predict(token_lists(), 5), whole), 1e-6);
  EXPECT_TRUE(c.predict({}).empty());
}

TEST_F(AnalysisModelIo, PredictTextTokenizesWithTheCheckpointsTokenizer) {
  auto m = tiny_model(5);
  const Classifier c(save("text.pt", m, meta(m)));
  std::vector<std::vector<int32_t>> tokens;
  for (const auto& s : known_sentences()) tokens.push_back(c.tokenizer().encode(s));
  EXPECT_LT(max_diff(c.predict_text(known_sentences()), probs_of(m, tokens)), 1e-6);
}

TEST_F(AnalysisModelIo, PredictSplitCoversEveryExampleOfTheSplitInFileOrder) {
  auto m = tiny_model(6);
  const Classifier c(save("split.pt", m, meta(m)));
  const dataset::DatasetFile file(synthetic_data());
  const dataset::Split dev = file.read_split("dev");
  std::vector<std::vector<int32_t>> tokens;
  for (int64_t i = 0; i < dev.num_examples(); ++i)
    tokens.emplace_back(dev.tokens.begin() + dev.offsets[i], dev.tokens.begin() + dev.offsets[i + 1]);
  EXPECT_LT(max_diff(c.predict_split(file, "dev"), probs_of(m, tokens)), 1e-6);
}

TEST_F(AnalysisModelIo, DataTokenizedOtherwiseIsRefusedNamingBothSides) {
  auto m = tiny_model(7);
  CheckpointMeta other_schema = meta(m);
  other_schema.data_schema_version = dataset::kTokenSchemaVersion + 1;
  const std::string path = save("schema.pt", m, other_schema);
  const Classifier c(path);
  const dataset::DatasetFile file(synthetic_data());
  EXPECT_THAT(
      [&] { c.predict_split(file, "dev"); },
      ThrowsMessage<UserError>(AllOf(HasSubstr("checkpoint " + path), HasSubstr(file.path()), Not(HasSubstr("\n")))));
  dataset::TokenizerInfo other = word_tokenizer();
  other.model_proto += " ";
  const Classifier same(save("same.pt", m, meta(m)));
  EXPECT_NO_THROW(same.check_same_data(file.identity(), "data.h5"));
  EXPECT_THROW(same.check_same_data(dataset::identity_of(other, dataset::kTokenSchemaVersion), "data.h5"), UserError);
}

TEST_F(AnalysisModelIo, DataWithOtherClassesIsRefusedListingBoth) {
  auto m = tiny_model(8);
  const Classifier c(save("classes.pt", m, meta(m)));
  EXPECT_NO_THROW(c.check_same_classes({"0", "1"}, "dev.tsv"));
  EXPECT_THAT(
      [&] {
        c.check_same_classes({"neg", "pos", "neutral"}, "dev.tsv");
      },
      one_line_error("dev.tsv has 3 classes ('neg', 'pos', 'neutral'), checkpoint " + c.info().path +
                     " was trained on 2 ('0', '1')"));
  EXPECT_THROW(c.check_same_classes({"1", "0"}, "dev.tsv"), UserError) << "same names, other ids";
}

TEST_F(AnalysisModelIo, AttentionIsOneForwardPassOverClsAndTheSentence) {
  auto m = tiny_model(9);
  const Classifier c(save("attention.pt", m, meta(m)));
  const std::string sentence = "the film was good";
  const AttentionResult r = c.attention(sentence);
  std::vector<int32_t> expected_ids = c.tokenizer().encode(sentence);
  expected_ids.insert(expected_ids.begin(), word_tokenizer().cls_id);
  EXPECT_EQ(r.ids, expected_ids);
  ASSERT_EQ(r.pieces.size(), r.ids.size());
  EXPECT_EQ(r.pieces[0], "[CLS]");
  for (size_t t = 1; t < r.ids.size(); ++t) EXPECT_EQ(r.pieces[t], c.tokenizer().piece(r.ids[t]));
  const AttentionStack& a = r.attention;
  EXPECT_EQ(a.layers, m->config().layers);
  EXPECT_EQ(a.heads, m->config().heads);
  EXPECT_EQ(a.tokens, static_cast<int>(r.ids.size()));
  ASSERT_EQ(a.weights.size(), static_cast<size_t>(a.layers * a.heads * a.tokens * a.tokens));
  for (int l = 0; l < a.layers; ++l)
    for (int h = 0; h < a.heads; ++h)
      for (int q = 0; q < a.tokens; ++q) {
        double row = 0;
        for (int k = 0; k < a.tokens; ++k) row += a.at(l, h, q, k);
        EXPECT_NEAR(row, 1.0, 1e-5) << "layer " << l << " head " << h << " query " << q;
      }
  EXPECT_LT(max_diff({r.probs}, c.predict_text({sentence})), 1e-6) << "the same forward pass as predict";
}

TEST_F(AnalysisModelIo, AttentionOfALongSentenceIsTruncatedToMaxLen) {
  auto m = tiny_model(10);
  const Classifier c(save("long.pt", m, meta(m)));
  const AttentionResult r = c.attention("the film was good and the story was moving and the actors were warm");
  EXPECT_EQ(r.ids.size(), static_cast<size_t>(m->config().max_len));
  EXPECT_EQ(r.attention.tokens, m->config().max_len);
}

TEST_F(AnalysisModelIo, MissingForeignAndDamagedFilesAreOneLineErrorsNamingTheFile) {
  auto m = tiny_model(11);
  const std::string missing = *dir_ / "missing.pt", text = *dir_ / "notes.pt", module = *dir_ / "module.pt";
  test::write_text(text, "not a checkpoint\n");
  torch::save(m, module);  // a LibTorch file, not an sst-train checkpoint
  const std::string damaged = save("damaged.pt", m, meta(m));
  test::corrupt_middle(damaged);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {missing, "does not exist"},
      {text, "cannot be read (truncated or not a checkpoint)"},
      {module, "lacks 'meta/version' (not an sst-train checkpoint?)"},
      {damaged, "is damaged"}};
  for (const auto& [path, why] : cases) EXPECT_THAT(loading(path), one_line_error("checkpoint " + path + " " + why));
}

TEST_F(AnalysisModelIo, ACheckpointWhoseTokenizerIsNotSentencePieceIsRefused) {
  auto m = tiny_model(12);
  CheckpointMeta broken = meta(m);
  broken.tokenizer.model_proto = "not a SentencePiece model";
  EXPECT_THAT(loading(save("tokenizer.pt", m, broken)), one_line_error("cannot load the checkpoint's tokenizer"));
}

}  // namespace
}  // namespace sst::analysis::model::model_test
