// Checkpoints (src/train/checkpoint.h) restore everything, refuse NaN, verify themselves and keep what they
// are given. The run directory's store of them is test_checkpoint_store.cpp's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkpoint_fixture.h"
#include "common/error.h"
#include "test_support.h"
#include "train/checkpoint.h"
#include "train/weight_average.h"

using ::testing::HasSubstr;

using sst::checkpoint_test::Fixture;
using sst::checkpoint_test::meta_for;

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
