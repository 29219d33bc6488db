// sst-sweep's command line (sweep/cli.cpp), through the built binary: expand, count, index and the
// manifest, help for every command, option tables refusing bad values, status and aggregate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "sweep/sweep.h"
#include "sweep_fixtures.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using sst::test::TempDir;
using sst::test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace sst::sweep::test;  // NOLINT(google-build-using-namespace): the shared fixtures

namespace {
std::string sweep_bin() { return sst::test::bin("sst-sweep"); }
}  // namespace

TEST(SweepCli, ExpandCountIndexAndManifest) {
  TempDir dir("sweep-cli");
  const std::string file = write_sweep(dir);
  const std::string q = sst::test::sh_quote(file), sd = sst::test::sh_quote(dir / "sd");
  auto r = sst::test::run_command(sweep_bin() + " expand " + q + " --count");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "12\n");
  EXPECT_FALSE(fs::exists(dir / "sd"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("0\txs_f0.25_s1\t--config "));
  EXPECT_TRUE(fs::exists(dir / "sd/sweep_manifest.json"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 7");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("\n--output.run_name=s_f0.25_s2\n"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 7 --field run");
  EXPECT_EQ(r.output, "s_f0.25_s2\n");
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --index 12");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("outside the grid"));
  // The sweep file changed after submission: an array task refuses to run a different grid.
  write_text(file, replaced(kGood, "seeds = 1, 2", "seeds = 1, 3"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("changed since"));
}

TEST(SweepCli, SweepDirKeepsItsData) {
  TempDir dir("sweep-cli");
  const std::string q = sst::test::sh_quote(write_sweep(dir)), sd = sst::test::sh_quote(dir / "sd");
  auto r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --data /x/d.h5 --count");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Later calls without --data (array tasks, --count) use the data the sweep dir was expanded with.
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --count");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 0");
  EXPECT_THAT(r.output, HasSubstr("--data\n/x/d.h5\n"));
  // A different --data into the same sweep dir is refused.
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --data /y/e.h5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("was expanded with data '/x/d.h5'"));
}

// Bad input to the binary (one-line errors, exit codes): the catalogue in tests/hostile/test_sweep.cpp.
TEST(SweepCli, HelpForEveryCommand) {
  for (const char* cmd : {"--help", "expand --help", "aggregate --help", "status --help"}) {
    auto r = sst::test::run_command(sweep_bin() + " " + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("sst-sweep")) << cmd;
  }
}

// Each command's option table refuses a bad value at parse time: a usage error (exit 2) in one line naming it.
TEST(SweepCli, OptionTablesRefuseBadValues) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"status SD --unfinished --stage soon", "'soon') for option '--stage' is invalid: must be all or main or"},
      {"status SD --index -1", "--index = -1: must be >= 0"},
      {"status SD --parallel -2", "--parallel = -2: must be >= 0"},
      {"expand X.ini --field size", "'size') for option '--field' is invalid: must be args or run or"},
      {"expand X.ini --index x", "--index"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = sst::test::run_command(sweep_bin() + " " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_EQ(r.output.rfind("sst-sweep: usage error: ", 0), 0u) << r.output;
    EXPECT_THAT(r.output, HasSubstr(message)) << args;
    EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
  }
}

TEST(SweepCli, StatusAndAggregate) {
  TempDir dir("sweep-cli");
  const std::string file = write_sweep(dir);
  const std::string sd = dir / "sd";
  auto r = sst::test::run_command(sweep_bin() + " expand " + sst::test::sh_quote(file) + " --sweep-dir " +
                                  sst::test::sh_quote(sd) + " --count");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fake_summary(sd + "/runs/xs_f0.25_s1", "completed", 0.5, 10);
  r = sst::test::run_command(sweep_bin() + " status " + sst::test::sh_quote(sd));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1/12 done, 0 running, 11 left, ETA 0:01:50"));
  r = sst::test::run_command(sweep_bin() + " status " + sst::test::sh_quote(sd) + " --index 0");
  EXPECT_EQ(r.output, "completed\n");
  r = sst::test::run_command(sweep_bin() + " status " + sst::test::sh_quote(sd) + " --unfinished");
  EXPECT_EQ(r.output, "1,2,3,4,5,6,7,8,9,10,11\n");
  r = sst::test::run_command(sweep_bin() + " aggregate " + sst::test::sh_quote(sd));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(sd + "/sweep.csv"));
}
