// The hostile-input catalogue of planted symbolic links (see hostile.h for what every row asserts): a
// link at each class of output (the run lock, metrics, the log, the summary, a checkpoint, the
// checkpoint folder, an HDF5 file, a figure, JSON, CSV, the Slurm marker, the driver's log and PID file) is refused
// with one line naming it and its target, and the link's target (a file outside the run) is
// byte-for-byte unchanged: nothing is ever written through a link, whoever runs the tool.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "hostile.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

const char* kSweep =
    "[sweep]\nname = h\nbase_config = tiny.ini\nranks = 1\nfractions = 1/2\nseeds = 1\n"
    "[models]\nnames = xs\n[model.xs]\nd_model = 16\nlayers = 1\nheads = 2\nff_dim = 32\n"
    "[budget]\nmax_steps = 2\neval_every = 1\n";
const char* kPoint = "xs_f0.5_s1";  // the one point of kSweep

struct Scene {
  TempDir dir{"hostile-links"};
  std::string victim = dir / "victim.txt";  // what a link points to: must never change
  std::string run = dir / "run";
  std::string out = dir / "out";
  std::string sweep_dir = dir / "sd";
  std::vector<std::string> argv, env, expect;
  std::string tool;
  bool other_lines = false;  // a launcher's output holds progress lines besides the error line

  // `ln -s VICTIM PATH` (parents created); the message names PATH and the victim.
  void plant(const std::string& path, const std::string& what = "cannot write ") {
    fs::create_directories(fs::path(path).parent_path());
    fs::create_symlink(victim, path);
    expect = {what + path + ": it is a symbolic link (to " + victim + "); refusing to write through it"};
  }
  void train(std::vector<std::string> args = {}) {
    tool = "sst-train: error";
    argv = {bin("sst-train"), "--config", dir / "tiny.ini", "--data", tiny_dataset(), "--out-dir", run};
    argv.insert(argv.end(), args.begin(), args.end());
  }
  void analyze(const std::string& sub, std::vector<std::string> args) {
    tool = "sst-analyze " + sub + ": error: ";
    argv = {bin("sst-analyze"), sub};
    argv.insert(argv.end(), args.begin(), args.end());
  }
  void expanded() {
    const Outcome r = run_with_deadline(
        {bin("sst-sweep"), "expand", dir / "sweep.ini", "--sweep-dir", sweep_dir, "--data", tiny_dataset()}, 30);
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }
  void sweep_sh() {
    tool = "sweep.sh";
    other_lines = true;
    argv = {"bash",
            sst::test::source_dir() + "/launch/sweep.sh",
            dir / "sweep.ini",
            "--sweep-dir",
            sweep_dir,
            "--data",
            tiny_dataset(),
            "--no-check"};
    env = {"SST_BIN_DIR=" + sst::test::bin_dir()};
  }
};

struct Row {
  const char* name;
  int exit_code;
  std::function<void(Scene&)> prepare;
};

const std::vector<Row> kRows = {
    // ---- sst-train: the lock, every file of the run directory ----
    {"TrainLockFile", 1,
     [](Scene& s) {
       s.plant(s.run + "/.lock", "cannot write the lock file ");
       s.train();
     }},
    {"TrainLockFileDangling", 1,
     [](Scene& s) {
       s.victim = s.dir / "created_by_nobody";  // the row's snapshot shows it is never created
       s.plant(s.run + "/.lock", "cannot write the lock file ");
       s.train();
     }},
    {"TrainMetrics", 1,
     [](Scene& s) {
       s.plant(s.run + "/metrics.jsonl");
       s.train();
     }},
    {"TrainLog", 1,
     [](Scene& s) {
       s.plant(s.run + "/train.log");
       s.train();
     }},
    {"TrainSummary", 1,
     [](Scene& s) {
       s.plant(s.run + "/summary.json");
       s.train();
     }},
    {"TrainConfigIni", 1,
     [](Scene& s) {
       s.plant(s.run + "/config.ini");
       s.train();
     }},
    {"TrainCheckpointOnResume", 1,
     [](Scene& s) {
       fs::copy(tiny_run(), s.run, fs::copy_options::recursive);
       fs::remove(s.run + "/checkpoints/best.pt");
       s.plant(s.run + "/checkpoints/best.pt");
       s.train({"--resume", "auto", "--train.max_steps=4"});
     }},
    {"TrainCheckpointFolder", 1,
     [](Scene& s) {
       fs::create_directories(s.dir / "elsewhere");
       s.victim = s.dir / "elsewhere";
       s.plant(s.run + "/checkpoints");
       s.train();
     }},
    // ---- sst-prep: the HDF5 file ----
    {"PrepOutput", 1,
     [](Scene& s) {
       s.plant(s.dir / "out.h5", "cannot write --output ");
       s.tool = "sst-prep: error";
       s.argv = {bin("sst-prep"), "--data-dir", tiny_tsv_dir(), "--output", s.dir / "out.h5", "--vocab-size", "200"};
     }},
    // ---- sst-analyze: a figure, JSON ----
    {"AnalyzeEvaluateFigure", 1,
     [](Scene& s) {
       s.plant(s.out + "/reliability.svg");
       s.analyze("evaluate",
                 {"--checkpoint", tiny_run() + "/checkpoints/best.pt", "--data", tiny_dataset(), "--output", s.out});
     }},
    {"AnalyzeEvaluateJson", 1,
     [](Scene& s) {
       s.plant(s.out + "/evaluation.json");
       s.analyze("evaluate",
                 {"--checkpoint", tiny_run() + "/checkpoints/best.pt", "--data", tiny_dataset(), "--output", s.out});
     }},
    {"AnalyzeCurvesFigure", 1,
     [](Scene& s) {
       s.plant(s.out + "/loss.png");
       s.analyze("curves", {tiny_run(), "--output", s.out});
     }},
    // ---- sst-sweep: the manifest, sweep.csv ----
    {"SweepAggregateCsv", 1,
     [](Scene& s) {
       s.expanded();
       s.plant(s.sweep_dir + "/sweep.csv");
       s.tool = "sst-sweep: error";
       s.argv = {bin("sst-sweep"), "aggregate", s.sweep_dir};
     }},
    {"SweepAggregateOutput", 1,
     [](Scene& s) {
       s.expanded();
       s.plant(s.dir / "all.csv", "cannot write ");
       s.tool = "sst-sweep: error";
       s.argv = {bin("sst-sweep"), "aggregate", s.sweep_dir, "--output", s.dir / "all.csv"};
     }},
    // ---- the launchers: the Slurm marker, the workstation driver's log and PID file ----
    {"SlurmRunningMarker", 1,
     [](Scene& s) {
       s.plant(s.run + "/.sweep_running");
       s.tool = "sst: error";
       s.argv = {"bash", "-c", "source \"$SST_ROOT/slurm/job_common.sh\" && sst_run \"$1\" --resume auto", "sst_run",
                 s.run};
       s.env = {"SST_ROOT=" + sst::test::source_dir(), "SST_BIN_DIR=" + sst::test::bin_dir(), "SST_SITE_ENV=/dev/null",
                "SST_LAUNCHER=mpirun"};
     }},
    {"SweepDriverLog", 1,
     [](Scene& s) {
       s.expanded();
       s.plant(s.sweep_dir + "/logs/" + kPoint + ".log");
       s.sweep_sh();
     }},
    {"SweepDriverPidFile", 1,
     [](Scene& s) {
       s.expanded();
       s.plant(s.sweep_dir + "/logs/." + kPoint + ".pid");
       s.sweep_sh();
     }},
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class HostileLinks : public ::testing::TestWithParam<Row> {};

TEST_P(HostileLinks, RefusedWithOneLineAndTheTargetUntouched) {
  Scene s;
  write_text(s.dir / "tiny.ini", tiny_ini_text());
  write_text(s.dir / "sweep.ini", kSweep);
  write_text(s.victim, "precious: not ours to write\n");
  GetParam().prepare(s);
  if (HasFatalFailure()) return;
  // A launcher keeps its sweep directory (manifest, logs); everything else must stay as it was.
  const std::string watched = s.other_lines ? s.victim : s.dir.path();
  const Snapshot before = Snapshot::of(watched);
  const Outcome r = run_with_deadline(s.argv, 120, s.env);
  expect_refused(r, GetParam().exit_code, s.tool, s.expect, /*mpi=*/s.other_lines);
  EXPECT_EQ(before.difference_to(Snapshot::of(watched)), "") << "in " << watched;
  if (fs::is_regular_file(s.victim)) EXPECT_EQ(read_text(s.victim), "precious: not ours to write\n");
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostileLinks, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

}  // namespace
