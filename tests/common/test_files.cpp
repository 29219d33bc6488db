// Atomic replacement never leaves a partial file or a temporary behind, also when the disk is full
// (the error names the file and the free space); temporaries of dead writers are removed, those of
// live ones (or of writers on another host) are not; SHA-256 matches the standard test vectors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "common/error.h"
#include "common/files.h"
#include "test_support.h"

namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

size_t entries(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(sst::sha256_bytes(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sst::sha256_bytes("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sst::test::TempDir dir("files");
  // Longer than one read buffer (64 KiB), so the streaming path is covered.
  const std::string big(200000, 'a');
  sst::test::write_text(dir / "big", big);
  EXPECT_EQ(sst::sha256_file(dir / "big"), sst::sha256_bytes(big));
}

TEST(Sha256, UnreadableFileIsAUserError) { EXPECT_THROW(sst::sha256_file("/nonexistent/file"), sst::UserError); }

TEST(AtomicWrite, ReplacesTheFileAndLeavesNoTemporary) {
  sst::test::TempDir dir("files");
  sst::write_text_atomically(dir / "a.txt", "first");
  sst::write_text_atomically(dir / "a.txt", "second");
  EXPECT_EQ(sst::test::read_text(dir / "a.txt"), "second");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicWrite, AFailingWriterKeepsTheOldFileAndRemovesItsTemporary) {
  sst::test::TempDir dir("files");
  sst::write_text_atomically(dir / "a.txt", "old");
  EXPECT_THROW(sst::write_atomically(dir / "a.txt",
                                     [](const std::string& tmp) {
                                       sst::test::write_text(tmp, "half");
                                       throw std::runtime_error("disk full");
                                     }),
               std::runtime_error);
  EXPECT_EQ(sst::test::read_text(dir / "a.txt"), "old");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(WritableDir, CreatesParentsAndNamesTheProblem) {
  sst::test::TempDir dir("files");
  sst::ensure_writable_dir(dir / "x/y/z");
  EXPECT_TRUE(fs::is_directory(dir / "x/y/z"));
  sst::test::write_text(dir / "plain", "x");
  try {
    sst::ensure_writable_dir(dir / "plain/sub");
    FAIL() << "no error";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir / "plain/sub"));
  }
}

TEST(AtomicFiles, FullDiskKeepsThePreviousFileAndNoTemporary) {
  sst::test::Tmpfs disk(64);
  if (!disk.available()) GTEST_SKIP() << disk.why();
  const std::string path = disk.path() + "/summary.json";
  sst::test::write_text(path, "previous");
  disk.leave_free_kb(4);
  try {
    sst::write_text_atomically(path, std::string(64 * 1024, 'x'));
    FAIL() << "a write larger than the free space succeeded";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write " + path + ": No space left on device ("));
    EXPECT_THAT(e.what(), HasSubstr("KB free on its file system"));
  }
  EXPECT_EQ(sst::test::read_text(path), "previous");
  EXPECT_EQ(entries(disk.path()), 2u) << "the file and the filler, no temporary";
}

TEST(AtomicFiles, StaleTemporariesOfDeadWritersAreRemoved) {
  sst::test::TempDir dir("stale-tmp");
  const std::string host = sst::host_name(), me = std::to_string(::getpid());
  const std::vector<std::string> dead = {".best.pt.tmp.999999999", ".best.pt.tmp." + host + ".999999999"};
  const std::vector<std::string> kept = {".best.pt.tmp." + me, ".best.pt.tmp." + host + "." + me,
                                         ".best.pt.tmp.otherhost.999999999", ".manifest.json.tmp.999999999", "best.pt"};
  for (const auto& n : dead) sst::test::write_text(dir / n, "x");
  for (const auto& n : kept) sst::test::write_text(dir / n, "x");
  EXPECT_EQ(sst::remove_stale_temporaries(dir.path(), "best.pt"), 2);
  for (const auto& n : dead) EXPECT_FALSE(fs::exists(dir / n)) << n;
  for (const auto& n : kept) EXPECT_TRUE(fs::exists(dir / n)) << n;
  // A caller holding the directory's lock removes every temporary, of any host, but no other file.
  EXPECT_EQ(sst::remove_stale_temporaries(dir.path(), "", /*any_host=*/true), 4);
  EXPECT_EQ(entries(dir.path()), 1u);
  EXPECT_TRUE(fs::exists(dir / "best.pt"));
}

TEST(AtomicFiles, WriteRemovesTheStaleTemporaryOfItsTarget) {
  sst::test::TempDir dir("stale-tmp");
  sst::test::write_text(dir / ".out.txt.tmp.999999999", "half");
  sst::write_text_atomically(dir / "out.txt", "whole");
  EXPECT_EQ(entries(dir.path()), 1u);
  EXPECT_EQ(sst::test::read_text(dir / "out.txt"), "whole");
}
