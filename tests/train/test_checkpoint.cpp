// Checkpoints restore everything, refuse NaN, rotate, and survive damage to the newest file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "test_support.h"
#include "train/checkpoint_store.h"
#include "train/weight_average.h"

using ::testing::HasSubstr;

namespace {

sst::CheckpointMeta meta_for(const sst::ModelConfig& m, int64_t step) {
  sst::CheckpointMeta meta;
  meta.model = m;
  meta.state.step = step;
  meta.state.best_dev_loss = 0.5;
  meta.state.tokens_processed = 1234;
  meta.config_ini = "[model]\nd_model = 16\n";
  meta.tokenizer.model_proto = std::string("\x01\x02\x00proto", 8);
  meta.tokenizer.vocab_size = 30;
  meta.tokenizer.type = "unigram";
  meta.seed = 7;
  return meta;
}

struct Fixture : ::testing::Test {
  sst::ModelConfig cfg;
  Fixture() {
    cfg.vocab_size = 30;
    cfg.d_model = 16;
    cfg.layers = 1;
    cfg.heads = 2;
    cfg.ff_dim = 32;
    cfg.max_len = 8;
    cfg.dropout = 0.0;  // deterministic forward passes
  }
  // A model and an optimizer that has taken one step (so it has moments to save).
  std::pair<sst::TransformerClassifier, std::unique_ptr<sst::Optimizer>> trained(uint64_t seed) {
    torch::manual_seed(seed);
    sst::TransformerClassifier m(cfg);
    sst::AdamWSettings settings;
    settings.lr = 1e-2;
    settings.weight_decay = 1e-2;
    auto opt = sst::make_torch_adamw({m->parameters(), {}}, settings);
    auto ids = torch::randint(4, 30, {3, 6}, torch::kLong);
    auto loss = m->forward(ids, torch::zeros({3, 6}, torch::kBool)).sum();
    loss.backward();
    opt->step(1e-2);
    return {m, std::move(opt)};
  }
};

}  // namespace

TEST_F(Fixture, RoundTripRestoresParametersOptimizerAndMeta) {
  sst::test::TempDir dir("ckpt");
  auto [a, opt_a] = trained(1);
  sst::save_checkpoint(dir / "c.pt", a, opt_a.get(), meta_for(cfg, 42));
  auto [b, opt_b] = trained(2);
  auto meta = sst::load_checkpoint(dir / "c.pt", b, opt_b.get());
  EXPECT_EQ(meta.state.step, 42);
  EXPECT_EQ(meta.state.tokens_processed, 1234);
  EXPECT_EQ(meta.seed, 7u);
  EXPECT_EQ(meta.tokenizer.model_proto, std::string("\x01\x02\x00proto", 8));
  EXPECT_EQ(sst::model_signature(meta.model), sst::model_signature(cfg));
  auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i]));
  // Same optimizer state: one more identical step keeps the models identical.
  a->zero_grad();
  b->zero_grad();
  for (auto* pair : {&a, &b}) {
    auto ids = torch::full({1, 4}, 5, torch::kLong);
    (*pair)->forward(ids, torch::zeros({1, 4}, torch::kBool)).sum().backward();
  }
  opt_a->step(1e-2);
  opt_b->step(1e-2);
  pa = a->parameters();
  pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i]));
}

// With train.ema_decay the checkpoint holds both: the trained weights (to continue training) and
// their average (what was evaluated, and what sst-analyze loads).
TEST_F(Fixture, WeightAverageIsSavedRestoredAndPreferredForEvaluation) {
  sst::test::TempDir dir("ckpt-avg");
  auto [a, opt_a] = trained(1);
  auto [other, opt_other] = trained(3);
  auto average = sst::make_average(other);
  sst::save_checkpoint(dir / "avg.pt", a, opt_a.get(), meta_for(cfg, 5), average);
  sst::save_checkpoint(dir / "plain.pt", a, opt_a.get(), meta_for(cfg, 5));

  auto [b, opt_b] = trained(2);
  auto restored = sst::make_average(b);
  sst::load_checkpoint(dir / "avg.pt", b, opt_b.get(), restored);
  auto pa = a->parameters(), pb = b->parameters(), po = other->parameters(), pr = restored->parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pb[i], pa[i])) << "trained weights, parameter " << i;
    EXPECT_TRUE(torch::equal(pr[i], po[i])) << "average, parameter " << i;
  }
  sst::TransformerClassifier evaluated(cfg);
  sst::load_evaluated_weights(dir / "avg.pt", evaluated);
  auto pe = evaluated->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pe[i], po[i])) << "the average is evaluated";
  sst::load_evaluated_weights(dir / "plain.pt", evaluated);
  pe = evaluated->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pe[i], pa[i])) << "no average: the weights";

  try {
    sst::load_checkpoint(dir / "plain.pt", b, opt_b.get(), restored);
    FAIL() << "a checkpoint without an average cannot restore one";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no weight average"));
    EXPECT_THAT(e.what(), HasSubstr("train.ema_decay"));
  }
}

TEST_F(Fixture, RefusesToWriteNonFiniteParameters) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  {
    torch::NoGradGuard g;
    m->parameters()[3].view(-1)[0] = std::numeric_limits<float>::quiet_NaN();
  }
  EXPECT_THROW(sst::save_checkpoint(dir / "nan.pt", m, opt.get(), meta_for(cfg, 1)), sst::UserError);
  EXPECT_FALSE(std::filesystem::exists(dir / "nan.pt"));
}

TEST_F(Fixture, LoadingIntoADifferentModelNamesBothConfigs) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  sst::save_checkpoint(dir / "c.pt", m, opt.get(), meta_for(cfg, 1));
  auto other = cfg;
  other.d_model = 32;
  sst::TransformerClassifier o(other);
  try {
    sst::load_checkpoint(dir / "c.pt", o, nullptr);
    FAIL() << "expected an error";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("different model"));
    EXPECT_THAT(e.what(), HasSubstr("d_model=16"));
    EXPECT_THAT(e.what(), HasSubstr("d_model=32"));
  }
}

TEST_F(Fixture, StoreKeepsLastKAndSkipsADamagedNewest) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  sst::CheckpointStore store(sst::rundir::RunDir(dir.path()), 2);
  for (int64_t step : {10, 20, 30}) store.save_step(m, *opt, meta_for(cfg, step));
  EXPECT_FALSE(std::filesystem::exists(dir / "checkpoints/step_00000010.pt"));
  std::vector<std::string> problems;
  EXPECT_EQ(store.newest_valid(problems).value(), dir / "checkpoints/step_00000030.pt");
  EXPECT_TRUE(problems.empty());

  // Truncate the newest: it is reported and the previous one is chosen.
  std::filesystem::resize_file(dir / "checkpoints/step_00000030.pt", 100);
  auto chosen = store.newest_valid(problems);
  EXPECT_EQ(chosen.value(), dir / "checkpoints/step_00000020.pt");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("step_00000030.pt"));
}

TEST_F(Fixture, TruncatedFileIsAClearError) {
  sst::test::TempDir dir("ckpt");
  sst::test::write_text(dir / "junk.pt", "not a checkpoint");
  EXPECT_THROW(sst::read_checkpoint_meta(dir / "junk.pt"), sst::UserError);
  EXPECT_THROW(sst::read_checkpoint_meta(dir / "missing.pt"), sst::UserError);
}

// Each file carries its own digest: damage in the middle is caught without any manifest.
TEST_F(Fixture, ACheckpointVerifiesItself) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  sst::save_checkpoint(dir / "c.pt", m, opt.get(), meta_for(cfg, 3));
  EXPECT_EQ(sst::verify_checkpoint(dir / "c.pt"), sst::CheckpointIntegrity::kVerified);
  sst::test::corrupt_middle(dir / "c.pt");
  try {
    sst::verify_checkpoint(dir / "c.pt");
    FAIL() << "damage not detected";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is damaged"));
  }
  EXPECT_THROW(sst::read_checkpoint_meta(dir / "c.pt"), sst::UserError);
}

TEST_F(Fixture, LostOrGarbledManifestLosesNoCheckpoint) {
  auto [m, opt] = trained(1);
  for (const std::string garbage : {"", "{\"checkpoints\": [ {"}) {
    sst::test::TempDir dir("ckpt");
    sst::CheckpointStore store(sst::rundir::RunDir(dir.path()), 2);
    for (int64_t step : {10, 20}) store.save_step(m, *opt, meta_for(cfg, step));
    const std::string manifest = dir / "checkpoints/manifest.json";
    if (garbage.empty())
      std::filesystem::remove(manifest);
    else
      sst::test::write_text(manifest, garbage);
    std::vector<std::string> problems;
    EXPECT_EQ(store.newest_valid(problems).value(), dir / "checkpoints/step_00000020.pt");
    if (garbage.empty())
      EXPECT_TRUE(problems.empty());
    else
      EXPECT_THAT(problems.at(0), HasSubstr("cannot be parsed"));
    // The next save rebuilds the manifest from the files; rotation still keeps the newest two.
    store.save_step(m, *opt, meta_for(cfg, 30));
    auto listed = nlohmann::json::parse(sst::test::read_text(manifest))["checkpoints"];
    ASSERT_EQ(listed.size(), 2u) << listed.dump();
    EXPECT_EQ(listed[0]["step"], 20);
    EXPECT_EQ(listed[1]["step"], 30);
    EXPECT_FALSE(std::filesystem::exists(dir / "checkpoints/step_00000010.pt"));
  }
}

TEST_F(Fixture, BestIsTheFallbackAndAllDamagedIsNoCheckpoint) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  sst::CheckpointStore store(sst::rundir::RunDir(dir.path()), 2);
  EXPECT_FALSE(store.has_checkpoints());
  store.save_best(m, *opt, meta_for(cfg, 7));  // killed before the first step checkpoint
  std::vector<std::string> problems;
  EXPECT_EQ(store.newest_valid(problems).value(), dir / "checkpoints/best.pt");
  store.save_step(m, *opt, meta_for(cfg, 10));
  sst::test::corrupt_middle(dir / "checkpoints/step_00000010.pt");
  sst::test::corrupt_middle(dir / "checkpoints/best.pt");
  problems.clear();
  EXPECT_FALSE(store.newest_valid(problems));
  EXPECT_EQ(problems.size(), 2u);
  EXPECT_TRUE(store.has_checkpoints()) << "so a resume refuses to start afresh over them";
}

TEST_F(Fixture, LastTrainLossIsKept) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  auto meta = meta_for(cfg, 5);
  meta.state.last_train_loss = 0.625;
  sst::save_checkpoint(dir / "c.pt", m, opt.get(), meta);
  EXPECT_EQ(sst::read_checkpoint_meta(dir / "c.pt").state.last_train_loss, 0.625);
}

TEST_F(Fixture, TheDataSchemaIsKeptAndAnUnrecordedOneStaysUnrecorded) {
  sst::test::TempDir dir("ckpt");
  auto [m, opt] = trained(1);
  auto meta = meta_for(cfg, 5);
  meta.data_schema_version = 1;
  sst::save_checkpoint(dir / "new.pt", m, opt.get(), meta);
  EXPECT_EQ(sst::read_checkpoint_meta(dir / "new.pt").data_schema_version, 1);
  // A checkpoint from before the field existed has no entry: it reads as 0 (unrecorded), and
  // writing it again does not invent one.
  meta.data_schema_version = 0;
  sst::save_checkpoint(dir / "old.pt", m, opt.get(), meta);
  EXPECT_EQ(sst::read_checkpoint_meta(dir / "old.pt").data_schema_version, 0);
}
