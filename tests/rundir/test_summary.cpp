// summary.json: a summary written is read back field for field; unmeasured values are null; older
// files without newer keys read as defaults; a wrong type names the file and field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "rundir/summary.h"
#include "test_support.h"

using sst::rundir::RunStatus;
using sst::rundir::RunSummary;
using ::testing::HasSubstr;

TEST(RunSummary, RoundTripsThroughTheFile) {
  sst::test::TempDir dir("summary");
  RunSummary s;
  s.run_name = "xs_f0.5_s2";
  s.status = RunStatus::kEarlyStopped;
  s.steps = 420;
  s.params = 1234567;
  s.flops = 6.5e12;
  s.best_dev_loss = 0.41;
  s.final_train_loss = std::nullopt;
  s.model = {{"d_model", 64}};
  s.seed = 2;
  const sst::rundir::RunDir run(dir.path());
  sst::rundir::write_summary(run, s);
  const auto j = sst::test::read_json(run.summary());
  EXPECT_EQ(j["status"], "early_stopped");
  EXPECT_TRUE(j["final_train_loss"].is_null());
  auto back = sst::rundir::read_summary(run);
  ASSERT_TRUE(back);
  EXPECT_EQ(sst::rundir::to_json(*back), sst::rundir::to_json(s));
}

TEST(RunSummary, MissingFileIsNoSummaryAndMissingKeysAreDefaults) {
  sst::test::TempDir dir("summary");
  EXPECT_FALSE(sst::rundir::read_summary(sst::rundir::RunDir(dir.path())));
  auto s = sst::rundir::summary_from_json({{"status", "completed"}, {"steps", 7}}, "old.json");
  EXPECT_EQ(s.steps, 7);
  EXPECT_EQ(s.best_step, -1);
  EXPECT_FALSE(s.best_dev_loss);
}

TEST(RunSummary, AWrongTypeOrStatusNamesFileAndField) {
  try {
    sst::rundir::summary_from_json({{"steps", "many"}}, "bad.json");
    FAIL() << "no error";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.json"));
    EXPECT_THAT(e.what(), HasSubstr("\"steps\""));
  }
  EXPECT_THROW(sst::rundir::summary_from_json({{"status", "done"}}, "bad.json"), sst::UserError);
  EXPECT_THROW(sst::rundir::summary_from_json(nlohmann::json::array(), "bad.json"), sst::UserError);
}

TEST(RunSummary, KeysAreListedInFileOrder) {
  const auto keys = sst::rundir::summary_keys();
  ASSERT_GE(keys.size(), 10u);
  EXPECT_EQ(keys.front(), "run_name");
  EXPECT_EQ(keys[1], "status");
}
