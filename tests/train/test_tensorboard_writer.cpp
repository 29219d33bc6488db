// TensorBoard event files (train/tensorboard_writer.h): the CRC-32C and its mask, the TFRecord frame,
// and a written file read back frame by frame (TensorBoard's own reader: tests/integration's
// test_tensorboard_events).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "test_support.h"
#include "train/tensorboard_event.pb.h"
#include "train/tensorboard_writer.h"

namespace sst::tensorboard {
namespace {

uint64_t read_le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Every frame of `path`, checked: each length and payload matches its masked CRC.
std::vector<Event> read_events(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string s = buf.str();
  std::vector<Event> events;
  size_t at = 0;
  while (at < s.size()) {
    EXPECT_LE(at + 12, s.size());
    const uint64_t n = read_le(s, at, 8);
    EXPECT_EQ(read_le(s, at + 8, 4), masked_crc32c(s.substr(at, 8)));
    const std::string payload = s.substr(at + 12, n);
    EXPECT_EQ(read_le(s, at + 12 + n, 4), masked_crc32c(payload));
    Event e;
    EXPECT_TRUE(e.ParseFromString(payload));
    events.push_back(e);
    at += 12 + n + 4;
  }
  EXPECT_EQ(at, s.size());
  return events;
}

TEST(TensorBoardWriter, Crc32cOfTheStandardCheckStringMasked) {
  // CRC-32C("123456789") = 0xE3069283 (the catalogued check value); masked as TFRecord does.
  const uint32_t c = 0xE3069283u;
  EXPECT_EQ(masked_crc32c("123456789"), ((c >> 15) | (c << 17)) + 0xa282ead8u);
  EXPECT_NE(masked_crc32c("123456788"), masked_crc32c("123456789"));
}

TEST(TensorBoardWriter, FrameHoldsLengthPayloadAndBothCrcs) {
  const std::string f = frame_record("abc");
  ASSERT_EQ(f.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(read_le(f, 0, 8), 3u);
  EXPECT_EQ(read_le(f, 8, 4), masked_crc32c(f.substr(0, 8)));
  EXPECT_EQ(f.substr(12, 3), "abc");
  EXPECT_EQ(read_le(f, 15, 4), masked_crc32c("abc"));
}

TEST(TensorBoardWriter, WritesVersionThenScalarsIncludingZero) {
  test::TempDir dir("tb");
  std::string path;
  {
    EventWriter w(dir / "tb", 0, 1000.5);
    w.write_scalars(1, 1001.25, {{"train/loss", 0.693}, {"train/pad_fraction", 0.0}});
    w.write_scalars(2, 1002.0, {{"eval/dev_acc", 0.75}});
    EXPECT_EQ(w.error(), "");
    path = w.path();
  }
  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(dir / "tb"));
  EXPECT_EQ(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.1000.", 0), 0u);
  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(events[1].step(), 1);
  EXPECT_DOUBLE_EQ(events[1].wall_time(), 1001.25);
  ASSERT_EQ(events[1].summary().value_size(), 2);
  EXPECT_EQ(events[1].summary().value(0).tag(), "train/loss");
  EXPECT_EQ(events[1].summary().value(0).simple_value(), 0.693f);
  EXPECT_TRUE(events[1].summary().value(1).has_simple_value());  // a 0 is written, not left out
  EXPECT_EQ(events[2].step(), 2);
  EXPECT_EQ(events[2].summary().value(0).simple_value(), 0.75f);
}

TEST(TensorBoardWriter, ResumedRunStartsASessionAfterTheResumeStep) {
  test::TempDir dir("tb");
  EventWriter w(dir.path(), 40, 5.0);
  const auto events = read_events(w.path());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].session_log().status(), SessionLog::START);
  EXPECT_EQ(events[1].step(), 41);  // TensorBoard drops earlier files' values from this step on
}

TEST(TensorBoardWriter, RefusesALinkPlantedAtItsFolder) {
  test::TempDir dir("tb");
  std::filesystem::create_directory(dir / "elsewhere");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "tensorboard");
  try {
    EventWriter w(dir / "tensorboard", 0, 1.0);
    FAIL() << "wrote through a link";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir / "elsewhere"));
}

}  // namespace
}  // namespace sst::tensorboard
