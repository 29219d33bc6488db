// The checkpoints of a run directory (src/train/checkpoint_store.h): the newest train.keep_checkpoints kept, a
// damaged newest passed over (and said so) for the one before, best.pt the fallback, a lost or garbled manifest
// losing no checkpoint and rebuilt on the next save; a folder of damaged files still counts as checkpoints, so
// a resume refuses to start afresh over them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint_fixture.h"
#include "test_support.h"
#include "train/checkpoint_store.h"

using sst::checkpoint_test::Fixture;
using sst::checkpoint_test::meta_for;
using ::testing::HasSubstr;

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
