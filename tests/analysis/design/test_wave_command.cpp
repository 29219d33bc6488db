// `sst-sweep wave`'s refusals (analysis/design/wave_command.cpp), one line each and nothing written: a grid
// sweep's directory or file, a sweep file changed since the design started (until --force), a sweep directory
// whose path holds a newline; `expand` says a design is planned in waves. The waves themselves are
// test_wave.cpp's.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "design_fixtures.h"
#include "test_support.h"

using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using sst::test::TempDir;

TEST(AnalysisDesignWave, GridAndAdaptiveSweepDirsDoNotMix) {
  TempDir dir("wave");
  const std::string file = sweep_file(dir, "start = d8, d12, d16\ncap_flops = 1e16\n");
  auto mode = sst::test::run_tool("sst-sweep", {"expand", file, "--print-mode"});
  EXPECT_EQ(mode.out, "waves\n");
  // Before the first wave there is nothing to expand in the sweep dir.
  auto r = sst::test::run_tool("sst-sweep", {"expand", file, "--sweep-dir", dir / "a", "--count"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("planned in waves; run `sst-sweep wave"), std::string::npos) << r.err;
  // A grid sweep's directory is not continued as a design.
  sst::test::write_text(dir / "grid.ini",
                        "[sweep]\nname = g\nbase_config = base.ini\nseeds = 1\n[models]\nnames = x\n"
                        "[model.x]\nd_model = 8\n[budget]\nflops = 1e11\n");
  ASSERT_EQ(sst::test::run_tool("sst-sweep", {"expand", dir / "grid.ini", "--sweep-dir", dir / "g"}).exit_code, 0);
  EXPECT_EQ(sst::test::run_tool("sst-sweep", {"expand", dir / "grid.ini", "--print-mode"}).out, "grid\n");
  r = sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", dir / "g"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("holds a grid sweep"), std::string::npos) << r.err;
  // A changed sweep file is refused until --force.
  ASSERT_EQ(sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", dir / "a"}).exit_code, 0);
  sweep_file(dir, "start = d8, d12, d16\ncap_flops = 2e16\n");
  r = sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", dir / "a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("changed since"), std::string::npos) << r.err;
  EXPECT_EQ(sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", dir / "a", "--force"}).exit_code, 0);
  // A sweep dir whose path holds a newline would split the launchers' lines: refused, nothing written.
  r = sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", dir / "c\nd"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("contains a control character"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "c\nd"));
  // A grid sweep file has no design to plan.
  r = sst::test::run_tool("sst-sweep", {"wave", dir / "grid.ini", "--sweep-dir", dir / "b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no [design] section"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "b/sweep_manifest.json"));
}
