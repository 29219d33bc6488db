// Stop signals (train/signals.h), in this process: a SIGUSR1 that arrives while blocked (before the
// handlers) is kept and honoured once they are installed, and is only recorded (the process goes on);
// the ready file is created once, never through a link. The whole path with a real launcher is
// tests/hostile/test_signals.cpp's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "train/signals.h"

namespace fs = std::filesystem;

TEST(StopSignals, ASignalWhileBlockedIsHonouredOnceTheHandlersAreInstalled) {
  sst::block_stop_signals();
  ASSERT_EQ(::raise(SIGUSR1), 0);  // blocked: pending, not delivered (it would end the process otherwise)
  EXPECT_FALSE(sst::stop_requested());
  EXPECT_EQ(sst::stop_signal(), 0);
  sst::install_stop_signal_handlers();  // unblocks: the pending signal reaches the handler
  EXPECT_TRUE(sst::stop_requested());
  EXPECT_EQ(sst::stop_signal(), SIGUSR1);
  ASSERT_EQ(::raise(SIGTERM), 0);  // handled too: recorded, the process goes on
  EXPECT_EQ(sst::stop_signal(), SIGTERM);
}

TEST(StopSignals, TheReadyFileIsCreatedOnlyWhereAskedAndNeverThroughALink) {
  const fs::path dir = fs::temp_directory_path() / ("sst_signals_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ::unsetenv("SST_STOP_READY_FILE");
  sst::announce_stop_ready();  // unset: nothing to do
  const fs::path ready = dir / "ready";
  ::setenv("SST_STOP_READY_FILE", ready.c_str(), 1);
  sst::announce_stop_ready();
  EXPECT_TRUE(fs::is_regular_file(ready));
  // A link planted at the path is left alone: its target is not created.
  const fs::path link = dir / "link", target = dir / "target";
  fs::create_symlink(target, link);
  ::setenv("SST_STOP_READY_FILE", link.c_str(), 1);
  sst::announce_stop_ready();
  EXPECT_FALSE(fs::exists(target));
  ::unsetenv("SST_STOP_READY_FILE");
  fs::remove_all(dir);
}
