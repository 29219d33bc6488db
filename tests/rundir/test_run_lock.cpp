// The run directory's lock: taken with the holder's host and pid inside, refused to a second holder
// with a message naming the first, released (file removed) when dropped, a stale file taken over, and a
// directory that the lock created removed again when nothing was written into it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"
#include "common/files.h"
#include "rundir/run_lock.h"
#include "test_support.h"

namespace fs = std::filesystem;
using sst::rundir::RunDir;
using sst::rundir::RunLock;
using ::testing::HasSubstr;

TEST(RunLock, SecondHolderIsRefusedWithTheFirstOnesName) {
  sst::test::TempDir dir("lock");
  const RunDir run(dir / "run");
  auto first = std::make_unique<RunLock>(run);
  const std::string me = sst::host_name() + " " + std::to_string(::getpid());
  EXPECT_EQ(sst::test::read_text(run.lock_file()), me + "\n");
  try {
    RunLock second(run);  // another open file: flock refuses it even within one process
    FAIL() << "two holders";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("run directory " + run.root() + " is in use by another sst-train"));
    EXPECT_THAT(e.what(), HasSubstr("host and pid: " + me));
  }
  EXPECT_FALSE(first->stale_holder());
  sst::test::write_text(run.root() + "/config.ini", "x");
  first.reset();
  EXPECT_FALSE(fs::exists(run.lock_file())) << "released";
  EXPECT_TRUE(fs::exists(run.root())) << "a directory with files is kept";
  EXPECT_NO_THROW(RunLock again(run));
}

TEST(RunLock, StaleLockFileIsTakenOver) {
  sst::test::TempDir dir("lock");
  const RunDir run(dir.path());
  sst::test::write_text(run.lock_file(), "gone-host 999999999\n");
  RunLock lock(run);
  ASSERT_TRUE(lock.stale_holder());
  EXPECT_EQ(*lock.stale_holder(), "gone-host 999999999");
}

TEST(RunLock, DirectoryItCreatedGoesWhenNothingWasWritten) {
  sst::test::TempDir dir("lock");
  const RunDir run(dir / "a/run");
  { RunLock lock(run); }
  EXPECT_FALSE(fs::exists(run.root()));
}
