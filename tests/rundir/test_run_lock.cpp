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

// `ln -s VICTIM D/.lock` used to make the lock truncate VICTIM to "HOST PID": now refused, the link and
// its target left as they were; a dangling link creates nothing at its target.
TEST(RunLock, ALinkAtTheLockFileIsNeverFollowed) {
  sst::test::TempDir dir("lock");
  const RunDir run(dir / "run");
  fs::create_directories(run.root());
  sst::test::write_text(dir / "victim", "precious\n");
  fs::create_symlink(dir / "victim", run.lock_file());
  try {
    RunLock lock(run);
    FAIL() << "took a lock through a link";
  } catch (const sst::UserError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write the lock file " + run.lock_file() + ": it is a symbolic link (to " +
                                         (dir / "victim") + "); refusing to write through it");
  }
  EXPECT_EQ(sst::test::read_text(dir / "victim"), "precious\n");
  fs::remove(run.lock_file());
  fs::create_symlink(dir / "nothing", run.lock_file());
  EXPECT_THROW(RunLock lock(run), sst::UserError);
  EXPECT_FALSE(fs::exists(dir / "nothing"));
}

// Every name sst-train writes is checked for a link before the run is accepted.
TEST(RunLock, ALinkAtAnyNameTheRunWritesIsRefused) {
  sst::test::TempDir dir("lock");
  const RunDir run(dir / "run");
  fs::create_directories(run.checkpoints());
  EXPECT_NO_THROW(sst::rundir::refuse_links(run));
  for (const std::string& path : {run.metrics(), run.train_log(), run.summary(), run.config_ini(),
                                  run.best_checkpoint(), run.step_checkpoint(3), run.manifest()}) {
    fs::create_symlink(dir / "victim", path);
    EXPECT_THROW(sst::rundir::refuse_links(run), sst::UserError) << path;
    fs::remove(path);
  }
  fs::create_directories(dir / "elsewhere");
  fs::create_symlink(dir / "elsewhere", run.snapshots());
  EXPECT_THROW(sst::rundir::refuse_links(run), sst::UserError) << "a linked folder";
}
