// launch/sweep.sh as a hostile or careless user meets it (issue 26):
//   - signals only to its own children: a PID file left by an earlier launcher, or planted, that names a
//     live unrelated process never gets that process signalled by a Ctrl-C/SIGTERM, and a stale one is
//     removed (launch/own_children.sh);
//   - --force rewrites a damaged (truncated) sweep_manifest.json, as documented;
//   - its last line is true: it exits non-zero naming the points not finished or running elsewhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/files.h"
#include "hostile.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

// One point (model xs, one rank); the budget is given per test.
std::string sweep_text(int64_t max_steps) {
  return "[sweep]\nname = h\nbase_config = tiny.ini\nranks = 1\nfractions = 1/2\nseeds = 1\ndata = " + tiny_dataset() +
         "\n"
         "[models]\nnames = xs\n[model.xs]\nd_model = 16\nlayers = 1\nheads = 2\nff_dim = 32\n"
         "[budget]\nmax_steps = " +
         std::to_string(max_steps) + "\neval_every = 1000\n";
}

struct Launcher : ::testing::Test {
  TempDir dir{"hostile-launcher"};
  std::string sweep_file = dir / "sweep.ini";
  std::string sweep_dir = dir / "sd";
  void SetUp() override {
    write_text(dir / "tiny.ini", tiny_ini_text());
    write_text(sweep_file, sweep_text(2));  // the data is the sweep file's: a rerun needs no --data
  }
  std::vector<std::string> sweep_sh(std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {
        "bash", sst::test::source_dir() + "/launch/sweep.sh", sweep_file, "--sweep-dir", sweep_dir, "--no-check"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::vector<std::string> env() const { return {"SST_BIN_DIR=" + fs::path(bin("sst-train")).parent_path().string()}; }
  std::string run_dir() const { return sweep_dir + "/runs/xs_f0.5_s1"; }
};

// /proc/PID/stat field 22, as launch/own_children.sh reads it.
std::string start_time(int pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) rest >> field;
  return field;
}

TEST_F(Launcher, SigtermSignalsNoProcessNamedByAStalePidFile) {
  write_text(sweep_file, sweep_text(1000000));
  BackgroundProcess stranger({"sleep", "300"});  // stands for a process that took a finished run's PID
  ASSERT_TRUE(wait_until([&] { return fs::exists("/proc/" + std::to_string(stranger.pid()) + "/stat"); }, 5));
  // Left by a launcher killed with its process group (the old format: a PID alone), before this launch.
  write_text(sweep_dir + "/logs/.h-old-run.pid", std::to_string(stranger.pid()) + "\n");

  BackgroundProcess sweep(sweep_sh(), env());
  ASSERT_TRUE(wait_until([&] { return fs::exists(run_dir() + "/metrics.jsonl"); }, 90)) << sweep.output();
  EXPECT_FALSE(fs::exists(sweep_dir + "/logs/.h-old-run.pid")) << "a stale PID file is removed at start";
  // Planted while the point runs: the PID alone, and the stranger's exact identity under another launcher.
  write_text(sweep_dir + "/logs/.h-planted.pid", std::to_string(stranger.pid()) + "\n");
  const std::string host = sst::host_name().substr(0, sst::host_name().find('.'));
  const std::string foreign =
      host + " " + std::to_string(stranger.pid()) + " " + start_time(stranger.pid()) + " 1 " + start_time(1) + "\n";
  write_text(sweep_dir + "/logs/.h-foreign.pid", foreign);
  const std::string own = read_text(sweep_dir + "/logs/.xs_f0.5_s1.pid");
  EXPECT_EQ(std::count(own.begin(), own.end(), ' '), 4) << "HOST PID START LAUNCHER LAUNCHER_START: " << own;

  ASSERT_EQ(::kill(sweep.pid(), SIGTERM), 0);
  const auto code = sweep.wait_for(90);
  ASSERT_TRUE(code.has_value()) << sweep.output();
  EXPECT_EQ(*code, 130) << sweep.output();
  // (Not kill(pid, 0): a killed child of this test stays a zombie until reaped.)
  EXPECT_FALSE(stranger.wait_for(0.5).has_value()) << "the stranger was signalled\n" << sweep.output();
  EXPECT_EQ(read_json(run_dir() + "/summary.json")["status"], "preempted") << "its own point was signalled";
  EXPECT_FALSE(fs::exists(sweep_dir + "/logs/.h-planted.pid")) << "a PID file naming nobody of ours is removed";
  EXPECT_EQ(read_text(sweep_dir + "/logs/.h-foreign.pid"), foreign) << "another launcher's live child: left alone";
  EXPECT_FALSE(fs::exists(sweep_dir + "/logs/.xs_f0.5_s1.pid")) << "its own is removed when the point ends";
}

// Deliver 10: a manifest cut short (a full disk, a killed writer) blocks a plain launch with one line
// that names it and the way out; --force rewrites it, and the finished point is kept.
TEST_F(Launcher, ForceRewritesATruncatedManifest) {
  const Outcome first = run_with_deadline(sweep_sh(), 120, env());
  ASSERT_EQ(first.exit_code, 0) << first.all();
  const std::string manifest = sweep_dir + "/sweep_manifest.json";
  const std::string text = read_text(manifest);
  write_text(manifest, text.substr(0, text.size() / 2));

  const Snapshot before = Snapshot::of(sweep_dir);
  const Outcome plain = run_with_deadline(sweep_sh(), 60, env());
  expect_refused(plain, 1, "sst-sweep", {manifest + ": malformed JSON", "--force"});
  EXPECT_EQ(before.difference_to(Snapshot::of(sweep_dir)), "");

  const Outcome forced = run_with_deadline(sweep_sh({"--force"}), 120, env());
  ASSERT_EQ(forced.exit_code, 0) << forced.all();
  EXPECT_NE(forced.err.find("sst-sweep: warning: " + manifest + ": malformed JSON"), std::string::npos) << forced.all();
  EXPECT_NE(forced.out.find("completed, skipped"), std::string::npos) << "the finished run is kept\n" << forced.all();
  EXPECT_NE(forced.out.find("sweep.sh: all 1 points finished"), std::string::npos) << forced.all();
  EXPECT_EQ(read_json(manifest)["points"].size(), 1u);
}

// Deliver 8: a point another launcher holds is not finished, and the launch says so (exit 1, the point
// and its state) instead of "all N points finished".
TEST_F(Launcher, APointRunningElsewhereIsNamedAndTheExitIsNonZero) {
  BackgroundProcess other({"sleep", "300"});  // stands for the other launcher
  const std::string marker = sst::host_name() + " " + std::to_string(other.pid()) + "\n";
  write_text(run_dir() + "/.sweep_running", marker);
  const Outcome r = run_with_deadline(sweep_sh(), 60, env());
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("sweep.sh: 1 point(s) not finished (index, run, status):"), std::string::npos) << r.all();
  EXPECT_NE(
      r.err.find("0\txs_f0.5_s1\trunning elsewhere (another launcher holds it: " + marker.substr(0, marker.size() - 1)),
      std::string::npos)
      << r.all();
  EXPECT_EQ(r.all().find("points finished"), std::string::npos) << r.all();
  EXPECT_EQ(read_text(run_dir() + "/.sweep_running"), marker) << "the other launcher's marker is left alone";
}

// A marker is "HOST PID START": one whose PID now belongs to a process started at another time (the
// launcher is gone, its PID reused) is stale; the point runs, it is not "running elsewhere".
TEST_F(Launcher, AMarkerWhosePidWasReusedIsStale) {
  BackgroundProcess stranger({"sleep", "300"});  // took the PID of a launcher that was killed
  ASSERT_TRUE(wait_until([&] { return fs::exists("/proc/" + std::to_string(stranger.pid()) + "/stat"); }, 5));
  const std::string other_start = std::to_string(std::stoll(start_time(stranger.pid())) + 1);
  write_text(run_dir() + "/.sweep_running",
             sst::host_name() + " " + std::to_string(stranger.pid()) + " " + other_start + "\n");
  const Outcome r = run_with_deadline(sweep_sh(), 90, env());
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.all().find("running elsewhere"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("sweep.sh: all 1 points finished"), std::string::npos) << r.all();
  EXPECT_EQ(::kill(stranger.pid(), 0), 0) << "the stranger is never signalled";
}

// A failed point is named too (its status), and the last line is not "all N points finished".
TEST_F(Launcher, AFailedPointIsNamedAndTheExitIsNonZero) {
  write_text(dir / "tiny.ini", tiny_ini_text() + "memory_limit_gb = 0.0000001\n");  // refused at setup
  const Outcome r = run_with_deadline(sweep_sh(), 90, env());
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("0\txs_f0.5_s1\tfailed"), std::string::npos) << r.all();
  EXPECT_EQ(r.all().find("points finished"), std::string::npos) << r.all();
}

}  // namespace
