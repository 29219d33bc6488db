// Hostile situations sst-train must come through without losing a run (hostile.h's tiny dataset and
// run; every wait has a deadline, so a hang fails instead of blocking CI):
//   - the out-dir's disk fills while checkpointing: one error line on both ranks, exit 1, no
//     temporary, the previous checkpoints intact; the next start removes what a killed writer left;
//   - manifest.json deleted or garbled: --resume auto still continues from the newest checkpoint;
//   - a second run on a directory in use is refused at once, naming the holder; a stale lock is taken
//     over; the lock file is gone after a clean exit;
//   - a run resumed from its final checkpoint (a crash before summary.json) still reports its loss;
//   - SIGTERM to launch/train.sh reaches the ranks: they checkpoint and the script exits 75.
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

std::vector<std::string> train_argv(const std::string& ini, const std::string& run, std::vector<std::string> extra,
                                    int ranks = 0) {
  std::vector<std::string> argv = ranks > 0 ? mpirun_argv(ranks) : std::vector<std::string>{};
  argv.insert(argv.end(), {bin("sst-train"), "--config", ini, "--data", tiny_dataset(), "--out-dir", run});
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::vector<std::string> files_named_like(const std::string& dir, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(part) != std::string::npos) out.push_back(e.path().string());
  return out;
}

int64_t last_step(const std::string& metrics) {
  int64_t step = 0;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    try {
      step = std::max<int64_t>(step, nlohmann::json::parse(line).value("step", int64_t{0}));
    } catch (const nlohmann::json::exception&) {
    }
  }
  return step;
}

struct HostileRecovery : ::testing::Test {
  TempDir dir{"hostile-recovery"};
  std::string ini = dir / "tiny.ini";
  void SetUp() override { write_text(ini, tiny_ini_text()); }
};

TEST_F(HostileRecovery, FullDiskWhileCheckpointingEndsBothRanksCleanly) {
  Tmpfs disk(1200);  // room for three checkpoints of the tiny model (~320 KB each, most of it the tokenizer)
  if (!disk.available()) GTEST_SKIP() << disk.why();
  const std::string run = disk.path() + "/run";
  const Outcome r = run_with_deadline(
      train_argv(ini, run, {"--train.max_steps=20", "--train.checkpoint_every=1", "--train.eval_every=1"}, 2), 120,
      mpirun_env());
  expect_refused(
      r, 1, "sst-train: error",
      {"cannot write checkpoint " + run + "/checkpoints/", "No space left on device", "free on its file system"},
      /*mpi=*/true);
  EXPECT_EQ(r.all().find("terminate called"), std::string::npos) << "no exception escaped LibTorch\n" << r.all();
  EXPECT_TRUE(files_named_like(disk.path(), ".tmp.").empty()) << "a temporary was left behind";
  EXPECT_FALSE(fs::exists(run + "/summary.json"));
  EXPECT_FALSE(fs::exists(run + "/.lock")) << "the lock is released on an agreed error";

  // The checkpoints written before the disk filled are whole: a copy of the run resumes from the
  // newest. Temporaries a killed writer left (this host, a dead pid; another host) are removed first.
  const std::string copy = dir / "copy";
  fs::copy(run, copy, fs::copy_options::recursive);
  const auto steps = files_named_like(copy + "/checkpoints", "step_");
  ASSERT_FALSE(steps.empty()) << r.all();
  write_text(copy + "/checkpoints/.best.pt.tmp.999999999", "half a checkpoint");
  write_text(copy + "/checkpoints/.step_00000009.pt.tmp.otherhost.42", "half a checkpoint");
  const Outcome resumed = run_with_deadline(
      train_argv(ini, copy,
                 {"--resume", "auto", "--train.max_steps=20", "--train.checkpoint_every=1", "--train.eval_every=1"}),
      120);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.all();
  EXPECT_NE(resumed.err.find("resumed from " + copy + "/checkpoints/step_"), std::string::npos) << resumed.all();
  EXPECT_TRUE(files_named_like(copy, ".tmp.").empty()) << "stale temporaries are removed";
}

void lost_manifest_resumes(const std::string& ini, const std::string& run, bool garble) {
  const auto opts = std::vector<std::string>{"--train.max_steps=6", "--train.checkpoint_every=2"};
  auto first = opts;
  first.push_back("--train.halt_at_step=4");
  const Outcome a = run_with_deadline(train_argv(ini, run, first), 120);
  ASSERT_EQ(a.exit_code, 75) << a.all();
  const std::string manifest = run + "/checkpoints/manifest.json";
  if (garble)
    write_text(manifest, "{\"checkpoints\": [ {\"file\": ");
  else
    fs::remove(manifest);

  auto second = opts;
  second.insert(second.end(), {"--resume", "auto"});
  const Outcome b = run_with_deadline(train_argv(ini, run, second), 120);
  ASSERT_EQ(b.exit_code, 0) << b.all();
  EXPECT_NE(b.err.find("resumed from " + run + "/checkpoints/step_00000004.pt at step 4"), std::string::npos)
      << "the valid checkpoints are used, not discarded\n"
      << b.all();
  if (garble)
    EXPECT_NE(b.err.find("warning: manifest " + manifest + " cannot be parsed"), std::string::npos) << b.all();
  const auto m = read_json(manifest);  // rebuilt
  ASSERT_EQ(m["checkpoints"].size(), 2u) << m.dump();
  EXPECT_EQ(m["checkpoints"][0]["step"], 4);
  EXPECT_EQ(m["checkpoints"][1]["step"], 6);
  EXPECT_EQ(read_json(run + "/summary.json")["steps"], 6);
}

TEST_F(HostileRecovery, DeletedManifestLosesNoCheckpoint) { lost_manifest_resumes(ini, dir / "run", false); }

TEST_F(HostileRecovery, UnparsableManifestIsReportedAndLosesNoCheckpoint) {
  lost_manifest_resumes(ini, dir / "run", true);
}

TEST_F(HostileRecovery, SecondRunOnADirectoryInUseIsRefusedAtOnce) {
  const std::string run = dir / "run";
  BackgroundProcess first(train_argv(ini, run, {"--train.max_steps=1000000", "--train.seed=1"}));
  ASSERT_TRUE(wait_until([&] { return last_step(run + "/metrics.jsonl") >= 1; }, 60)) << first.output();
  const std::string config_before = read_text(run + "/config.ini");

  const Outcome second = run_with_deadline(train_argv(ini, run, {"--train.seed=2", "--resume", "auto"}), 60);
  expect_refused(second, 1, "sst-train: error",
                 {"run directory " + run + " is in use by another sst-train",
                  "host and pid: " + sst::host_name() + " " + std::to_string(first.pid())});
  EXPECT_EQ(read_text(run + "/config.ini"), config_before);

  ASSERT_EQ(::kill(first.pid(), SIGTERM), 0);
  const auto code = first.wait_for(60);
  ASSERT_TRUE(code.has_value()) << first.output();
  EXPECT_EQ(*code, 75) << first.output();
  EXPECT_FALSE(fs::exists(run + "/.lock")) << "released on exit";
  EXPECT_NE(read_text(run + "/config.ini").find("seed = 1"), std::string::npos);
}

TEST_F(HostileRecovery, StaleLockOfADeadProcessIsTakenOver) {
  const std::string run = dir / "run";
  write_text(run + "/.lock", "gone-host 999999999\n");
  const Outcome r = run_with_deadline(train_argv(ini, run, {}), 120);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("was left by a process that is gone (gone-host 999999999); taken over"), std::string::npos)
      << r.all();
  EXPECT_FALSE(fs::exists(run + "/.lock"));
}

TEST_F(HostileRecovery, ResumeFromTheFinalCheckpointKeepsTheFinalTrainLoss) {
  const std::string run = dir / "run";
  fs::copy(tiny_run(), run, fs::copy_options::recursive);
  const auto before = read_json(run + "/summary.json");
  ASSERT_TRUE(before["final_train_loss"].is_number()) << before.dump();
  fs::remove(run + "/summary.json");  // as if the job died between the last checkpoint and the summary
  const Outcome r = run_with_deadline(train_argv(ini, run, {"--resume", "auto"}), 120);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto after = read_json(run + "/summary.json");
  ASSERT_TRUE(after["final_train_loss"].is_number()) << after.dump();
  EXPECT_DOUBLE_EQ(after["final_train_loss"].get<double>(), before["final_train_loss"].get<double>());
  EXPECT_EQ(after["steps"], before["steps"]);
}

TEST_F(HostileRecovery, SigtermToTrainShCheckpointsTheRanksAndExits75) {
  const std::string run = dir / "run";
  BackgroundProcess job({"bash", sst::test::source_dir() + "/launch/train.sh", "-n", "2", "--config", ini, "--data",
                         tiny_dataset(), "--out-dir", run, "--train.max_steps=1000000"},
                        {"SST_TRAIN=" + bin("sst-train")});
  ASSERT_TRUE(wait_until([&] { return last_step(run + "/metrics.jsonl") >= 2; }, 90)) << job.output();
  ASSERT_EQ(::kill(job.pid(), SIGTERM), 0);
  const auto code = job.wait_for(60);
  ASSERT_TRUE(code.has_value()) << "train.sh still running 60 s after SIGTERM\n" << job.output();
  EXPECT_EQ(*code, 75) << job.output();
  EXPECT_NE(job.output().find("stop signal received: checkpointed at step"), std::string::npos) << job.output();
  EXPECT_EQ(read_json(run + "/summary.json")["status"], "preempted");
}

}  // namespace
