// Atomic replacement never leaves a partial file or a temporary behind; SHA-256 matches the standard
// test vectors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
