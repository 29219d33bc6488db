// No helper of common/files.h writes through a symbolic link: a link at a final name is refused (with
// its target in the one-line message) and left in place, a link planted at a temporary's name is
// replaced by our own file, appends and the write probe never follow one, and a FIFO at a log's name is
// refused instead of blocking. Every case checks that the link's target is byte-for-byte unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "common/error.h"
#include "common/files.h"
#include "test_support.h"

namespace fs = std::filesystem;
using sst::test::read_text;
using sst::test::TempDir;
using sst::test::write_text;
using ::testing::HasSubstr;

namespace {

// A victim file and a link to it named `name` in a fresh directory.
struct Planted {
  TempDir dir{"links"};
  std::string victim = dir / "victim.txt";
  std::string link;
  explicit Planted(const std::string& name) : link(dir / name) {
    write_text(victim, "precious\n");
    fs::create_symlink(victim, link);
  }
  bool untouched() const { return read_text(victim) == "precious\n" && fs::is_symlink(link); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(NoWriteThroughLinks, AtomicWriteRefusesALinkAtTheFinalName) {
  Planted p("out.json");
  EXPECT_EQ(error_of([&] { sst::write_text_atomically(p.link, "{}"); }),
            "cannot write " + p.link + ": it is a symbolic link (to " + p.victim + "); refusing to write through it");
  EXPECT_TRUE(p.untouched());
  EXPECT_EQ(std::distance(fs::directory_iterator(p.dir.path()), fs::directory_iterator()), 2) << "no temporary left";
}

TEST(NoWriteThroughLinks, ADanglingLinkIsRefusedAndNothingIsCreatedAtItsTarget) {
  TempDir dir("links");
  fs::create_symlink(dir / "made_by_us", dir / "out.txt");
  EXPECT_THAT(error_of([&] { sst::write_text_atomically(dir / "out.txt", "x"); }), HasSubstr("is a symbolic link"));
  EXPECT_FALSE(fs::exists(dir / "made_by_us"));
}

TEST(NoWriteThroughLinks, ALinkPlantedAtTheTemporaryIsReplacedNotFollowed) {
  Planted p(fs::path(sst::temporary_path("out.txt")).filename().string());
  sst::write_text_atomically(p.dir / "out.txt", "ours");
  EXPECT_EQ(read_text(p.dir / "out.txt"), "ours");
  EXPECT_EQ(read_text(p.victim), "precious\n");
  EXPECT_FALSE(fs::exists(fs::symlink_status(p.link)));
}

TEST(NoWriteThroughLinks, CheckedFileRefusesALink) {
  Planted p("data.bin");
  EXPECT_THAT(error_of([&] { sst::CheckedFile f(p.link); }),
              HasSubstr("cannot write " + p.link + ": it is a symbolic link"));
  EXPECT_TRUE(p.untouched());
}

TEST(NoWriteThroughLinks, AppendRefusesALinkAndAFifo) {
  Planted p("metrics.jsonl");
  EXPECT_THAT(error_of([&] { sst::AppendFile f(p.link); }), HasSubstr("it is a symbolic link (to " + p.victim + ")"));
  EXPECT_TRUE(p.untouched());
  ASSERT_EQ(::mkfifo((p.dir / "train.log").c_str(), 0644), 0);
  EXPECT_EQ(error_of([&] { sst::AppendFile f(p.dir / "train.log"); }),
            "cannot write " + (p.dir / "train.log") + ": it is not a regular file");
}

TEST(NoWriteThroughLinks, AppendAppends) {
  TempDir dir("links");
  {
    sst::AppendFile f(dir / "log");
    EXPECT_EQ(f.append("a\n"), 0);
  }
  sst::AppendFile f(dir / "log");
  EXPECT_EQ(f.append("b\n"), 0);
  EXPECT_EQ(read_text(dir / "log"), "a\nb\n");
}

TEST(NoWriteThroughLinks, TheWriteProbeNeverFollowsALink) {
  Planted p(".write_probe." + std::to_string(::getpid()));
  sst::ensure_writable_dir(p.dir.path());
  EXPECT_EQ(read_text(p.victim), "precious\n");
}

TEST(NoWriteThroughLinks, AnOutputFolderHoldingALinkIsRefused) {
  Planted p("reliability.svg");
  EXPECT_THAT(error_of([&] { sst::ensure_output_dir(p.dir.path()); }),
              HasSubstr("cannot write " + p.link + ": it is a symbolic link"));
  EXPECT_TRUE(p.untouched());
}

TEST(NoWriteThroughLinks, AFreshFileReplacesWhateverWasAtItsName) {
  Planted p(".fig.svg.tmp.x");
  sst::create_fresh_file(p.link);
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(p.link)));
  EXPECT_EQ(fs::file_size(p.link), 0u);
  EXPECT_EQ(read_text(p.victim), "precious\n");
}

TEST(StagedOutputs, MovedInTogetherOrNotAtAll) {
  TempDir dir("staged");
  write_text(dir / "fit.json", "previous\n");
  {
    sst::StagedDir staged(dir.path(), "fit");
    write_text(staged.path() + "/fig.png", "new figure");
  }  // no commit (a failure on the way): nothing of it reaches the folder
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
  {
    sst::StagedDir staged(dir.path(), "fit");
    write_text(staged.path() + "/fig.png", "new figure");
    write_text(staged.path() + "/fit.json", "new\n");
    staged.commit();
  }
  EXPECT_EQ(read_text(dir / "fit.json"), "new\n");
  EXPECT_EQ(read_text(dir / "fig.png"), "new figure");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2) << "no staging folder";
}

TEST(StagedOutputs, ALinkOrAnInputAtAnyNameStopsEveryMove) {
  Planted p("fig.svg");
  {
    sst::StagedDir staged(p.dir.path(), "fit");
    write_text(staged.path() + "/fit.json", "new\n");
    write_text(staged.path() + "/fig.svg", "<svg/>");
    EXPECT_THAT(error_of([&] { staged.commit(); }), HasSubstr("cannot write " + p.link + ": it is a symbolic link"));
  }
  EXPECT_TRUE(p.untouched());
  EXPECT_FALSE(fs::exists(p.dir / "fit.json")) << "all or nothing: not even the files before the link";
  write_text(p.dir / "points.csv", "input\n");
  sst::StagedDir staged(p.dir.path(), "fit");
  write_text(staged.path() + "/points.csv", "output\n");
  EXPECT_THAT(error_of([&] { staged.commit({p.dir / "points.csv"}); }),
              HasSubstr("is the input " + (p.dir / "points.csv")));
  EXPECT_EQ(read_text(p.dir / "points.csv"), "input\n");
}

TEST(StagedOutputs, TheFolderOfADeadWriterIsRemoved) {
  TempDir dir("staged");
  fs::create_directories(dir / ".fit.tmp.999999999");
  write_text(dir / ".fit.tmp.999999999/fig.png", "half");
  sst::StagedDir staged(dir.path(), "fit");
  EXPECT_FALSE(fs::exists(dir / ".fit.tmp.999999999"));
}
