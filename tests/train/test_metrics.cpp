// Rank 0's training records (src/train/metrics.h): each metrics.jsonl line stamped with its UTC time and the
// run's elapsed seconds; on resume the lines after the checkpoint's step (and a line cut by a crash) are
// dropped so every step appears once; a link planted at the log's name is refused, never written through;
// TensorBoard events beside it on request; the progress lines also go to train.log.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "common/error.h"
#include "test_support.h"
#include "train/metrics.h"

namespace fs = std::filesystem;
using sst::test::TempDir;

TEST(Metrics, TimesAreIsoUtcToTheMillisecond) {
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1772366400250)};
  EXPECT_EQ(sst::iso8601_utc(t), "2026-03-01T12:00:00.250Z");
  EXPECT_EQ(sst::iso8601_utc(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(Metrics, EachRecordCarriesItsTimeAndElapsedSeconds) {
  TempDir dir("metrics");
  {
    sst::MetricsLog log(dir / "metrics.jsonl", 0);
    log.write({{"kind", "train"}, {"step", 1}, {"loss", 0.69}}, 1.5);
    log.write({{"kind", "eval"}, {"step", 1}, {"dev_loss", 0.6}}, 2.25);
    log.check();
  }
  const auto lines = sst::test::read_jsonl(dir / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["kind"], "train");
  EXPECT_EQ(lines[0]["loss"], 0.69);
  EXPECT_EQ(lines[0]["elapsed_s"], 1.5);
  EXPECT_EQ(lines[1]["elapsed_s"], 2.25);
  const std::string time = lines[0]["time"];
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time.substr(0, 2), "20");
  EXPECT_EQ(time.back(), 'Z');
}

TEST(Metrics, AResumeDropsTheStepsAfterTheCheckpointAndACutLine) {
  TempDir dir("metrics");
  const std::string path = dir / "metrics.jsonl";
  sst::test::write_text(path,
                        "{\"kind\":\"train\",\"step\":10}\n{\"kind\":\"eval\",\"step\":20}\n\n"
                        "{\"kind\":\"train\",\"step\":30}\n{\"kind\":\"tra");
  {
    sst::MetricsLog log(path, 20);
    log.write({{"kind", "train"}, {"step", 21}}, 9);
  }
  const auto lines = sst::test::read_jsonl(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["step"], 10);
  EXPECT_EQ(lines[1]["step"], 20);
  EXPECT_EQ(lines[2]["step"], 21);
}

// A link at metrics.jsonl (to another user's file, or dangling) is refused, never written through.
TEST(Metrics, ALinkAtTheLogsNameIsNeverWrittenThrough) {
  TempDir dir("metrics");
  const std::string victim = dir / "victim.txt";
  sst::test::write_text(victim, "{\"step\":1}\n{\"step\":99}\n");
  fs::create_symlink(victim, dir / "metrics.jsonl");
  try {
    sst::MetricsLog log(dir / "metrics.jsonl", 1);
    ADD_FAILURE() << "a link was accepted";
  } catch (const sst::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("is a symbolic link"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sst::test::read_text(victim), "{\"step\":1}\n{\"step\":99}\n");
  fs::create_symlink(dir / "absent.txt", dir / "dangling.jsonl");
  EXPECT_THROW(sst::MetricsLog(dir / "dangling.jsonl", 0), sst::UserError);
  EXPECT_FALSE(fs::exists(dir / "absent.txt"));
}

TEST(Metrics, TensorBoardEventsAreWrittenBesideOnRequest) {
  TempDir dir("metrics");
  {
    sst::MetricsLog log(dir / "metrics.jsonl", 0, dir / "tb");
    log.write({{"kind", "train"}, {"step", 1}, {"loss", 0.69}}, 1);
    log.check();
  }
  size_t events = 0;
  for (const auto& e : fs::directory_iterator(dir / "tb"))
    events += e.path().filename().string().rfind("events.out.tfevents.", 0) == 0 && fs::file_size(e.path()) > 0;
  EXPECT_EQ(events, 1u);
}

TEST(Metrics, ProgressLinesGoToTrainLog) {
  TempDir dir("metrics");
  {
    sst::Progress progress(dir / "train.log", 10, 0);
    progress.update(5, 0.6931, 1234, 2e-3);
    progress.message("eval step 5: dev loss 0.6");
    progress.finish();
  }
  const std::string log = sst::test::read_text(dir / "train.log");
  EXPECT_EQ(log.rfind("step 5/10  loss 0.6931  lr 2.00e-03  1234 tok/s  ETA ", 0), 0u) << log;
  EXPECT_NE(log.find("\neval step 5: dev loss 0.6\n"), std::string::npos) << log;
}
