// Fault tolerance of sst-train under mpirun, on real SST-2 with a tiny model:
//   - a stop signal (SIGUSR1 / SIGTERM) sent to ONE rank checkpoints the whole job and exits 75, and
//     `--resume auto` carries on from that step; a run cut by train.halt_at_step and resumed ends with
//     bit-identical parameters to an uninterrupted one (dropout on);
//   - a rank killed with SIGKILL takes the job down within 30 s instead of leaving it hanging, and a rank
//     that hangs (SIGSTOP) is ended by the collective timeout (SST_COLLECTIVE_TIMEOUT_S);
//   - a damaged (corrupted or truncated) newest checkpoint is reported and the previous one is used;
//   - a non-finite loss on one rank stops every rank with one error line (nan_policy = stop) or drops
//     the step (nan_policy = skip).
// Every wait has a deadline; on timeout the test kills the job it started, so nothing can hang.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "background_job.h"
#include "test_support.h"
#include "train/checkpoint.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

// A small, fast model; per-test variations go on the command line as --section.key=value.
std::string write_tiny_ini(const TempDir& dir) {
  const std::string path = dir / "tiny.ini";
  write_text(path,
             "[model]\n"
             "d_model = 32\nlayers = 1\nheads = 2\nff_dim = 64\nmax_len = 32\ndropout = 0.1\npooling = cls\n"
             "[train]\n"
             "seed = 1\nglobal_batch = 16\nlr = 1e-3\nwarmup_steps = 5\nmax_steps = 30\n"
             "eval_every = 1000000\nlog_every = 1\ncheckpoint_every = 1000000\nkeep_checkpoints = 2\n"
             "threads = 1\n");
  return path;
}

// `mpirun -np N sst-train --config INI --data DATA --out-dir RUN EXTRA` (env assignments may precede).
std::string train_cmd(int ranks, const std::string& ini, const std::string& data, const std::string& run,
                      const std::string& extra = "") {
  return mpirun(ranks) + " " + sh_quote(bin("sst-train")) + " --config " + sh_quote(ini) + " --data " + sh_quote(data) +
         " --out-dir " + sh_quote(run) + kOnCpu + " " + extra;
}

int count_substr(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// Runs a job to its end with a deadline: on timeout it is killed and the result says so (exit -1).
CommandResult run_bounded(const TempDir& dir, const std::string& cmd, double seconds = 300) {
  static int n = 0;
  const std::string log = dir / ("cmd" + std::to_string(++n) + ".log");
  const auto t0 = Clock::now();
  BackgroundJob job(cmd, log);
  auto code = job.wait_for(seconds);
  if (!code) job.kill_all();
  CommandResult r;
  r.exit_code = code.value_or(-1);
  r.output = job.output();
  if (!code) r.output += "\n[test: killed after " + std::to_string(seconds) + " s]\n";
  r.seconds = since(t0);
  return r;
}

// Final parameters of a checkpoint, loaded into a model built from its own metadata.
sst::TransformerClassifier load_model(const std::string& path) {
  auto meta = sst::read_checkpoint_meta(path);
  sst::TransformerClassifier model(meta.model);
  sst::load_checkpoint(path, model, nullptr);
  return model;
}

std::string step_file(const std::string& run, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof(name), "/checkpoints/step_%08lld.pt", static_cast<long long>(step));
  return run + name;
}

std::vector<int64_t> manifest_steps(const std::string& run) {
  std::vector<int64_t> steps;
  const auto manifest = read_json(run + "/checkpoints/manifest.json");  // named: it must outlive the loop
  for (const auto& e : manifest["checkpoints"]) steps.push_back(e["step"]);
  return steps;
}

int count_step_files(const std::string& run) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(run + "/checkpoints"))
    if (e.path().filename().string().rfind("step_", 0) == 0) ++n;
  return n;
}

// ---- Preemption: a stop signal to one rank ----

void signal_one_rank_then_resume(int sig, int target_rank) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("preempt");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  BackgroundJob job(train_cmd(2, ini, data, run, "--train.max_steps=1000000"), dir / "job.log");
  ASSERT_TRUE(job.wait_for_step(run + "/metrics.jsonl", 3, 180)) << "no training progress\n" << job.output();
  auto ranks = job.ranks();
  ASSERT_EQ(ranks.size(), 2u) << "expected 2 sst-train children of mpirun " << job.pid();
  ASSERT_EQ(::kill(ranks.at(target_rank), sig), 0);
  const auto t0 = Clock::now();
  auto code = job.wait_for(60);
  ASSERT_TRUE(code.has_value()) << "job still running 60 s after signal " << sig << " to rank " << target_rank << "\n"
                                << job.output();
  const double took = since(t0);
  const std::string out = job.output();
  EXPECT_EQ(*code, 75) << out;
  EXPECT_LT(took, 30) << "checkpoint-and-exit took too long";
  EXPECT_NE(out.find("stop signal received: checkpointed at step"), std::string::npos) << out;

  auto summary = read_json(run + "/summary.json");
  EXPECT_EQ(summary["status"], "preempted");
  const int64_t k = summary["steps"];
  EXPECT_GE(k, 3);
  auto steps = manifest_steps(run);
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.back(), k) << "the step checkpoint of the stop is in the manifest";
  EXPECT_TRUE(fs::exists(step_file(run, k)));

  // Requeue: --resume auto continues from step k (max_steps shortened so it finishes quickly).
  const int64_t total = k + 3;
  auto r = run_bounded(dir, train_cmd(2, ini, data, run, "--resume auto --train.max_steps=" + std::to_string(total)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resumed from " + step_file(run, k) + " at step " + std::to_string(k)), std::string::npos)
      << r.output;
  auto resumed = read_json(run + "/summary.json");
  EXPECT_EQ(resumed["status"], "completed");
  EXPECT_EQ(resumed["steps"], total);
  EXPECT_EQ(manifest_steps(run).back(), total);
}

}  // namespace

TEST(Preemption, SigusrToOneRankCheckpointsAndExits75) { signal_one_rank_then_resume(SIGUSR1, 1); }

TEST(Preemption, SigtermToOneRankCheckpointsAndExits75) { signal_one_rank_then_resume(SIGTERM, 0); }

TEST(Preemption, ResumedRunMatchesUninterrupted) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("resume-exact");
  const std::string ini = write_tiny_ini(dir);
  const std::string common = "--train.max_steps=16 --model.dropout=0.1 --train.checkpoint_every=1000000";

  const std::string full = dir / "full";
  auto a = run_bounded(dir, train_cmd(2, ini, data, full, common));
  ASSERT_EQ(a.exit_code, 0) << a.output;

  const std::string split = dir / "split";
  auto b1 = run_bounded(dir, train_cmd(2, ini, data, split, common + " --train.halt_at_step=6"));
  ASSERT_EQ(b1.exit_code, 75) << b1.output;
  EXPECT_NE(b1.output.find("train.halt_at_step reached: checkpointed at step 6"), std::string::npos) << b1.output;
  EXPECT_EQ(read_json(split + "/summary.json")["status"], "preempted");
  auto b2 = run_bounded(dir, train_cmd(2, ini, data, split, common + " --resume auto"));
  ASSERT_EQ(b2.exit_code, 0) << b2.output;
  EXPECT_NE(b2.output.find("at step 6"), std::string::npos) << b2.output;
  EXPECT_EQ(read_json(split + "/summary.json")["status"], "completed");

  auto ma = sst::read_checkpoint_meta(step_file(full, 16));
  auto mb = sst::read_checkpoint_meta(step_file(split, 16));
  EXPECT_EQ(ma.state.tokens_processed, mb.state.tokens_processed);
  EXPECT_EQ(ma.state.examples_processed, mb.state.examples_processed);
  EXPECT_GT(ma.model.dropout, 0.0);
  auto pa = load_model(step_file(full, 16))->named_parameters();
  auto pb = load_model(step_file(split, 16))->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& p : pa) {
    ASSERT_TRUE(pb.contains(p.key())) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()]))
        << p.key() << ": max |diff| " << (p.value() - pb[p.key()]).abs().max().item<double>();
  }
  // The summaries agree on what was trained.
  auto sa = read_json(full + "/summary.json"), sb = read_json(split + "/summary.json");
  EXPECT_EQ(sa["tokens_processed"], sb["tokens_processed"]);
  EXPECT_EQ(sa["final_dev_loss"], sb["final_dev_loss"]);
}

// ---- A rank dies ----

TEST(RankFailure, KillNineEndsJobWithin30s) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("kill9");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  BackgroundJob job(train_cmd(2, ini, data, run, "--train.max_steps=1000000"), dir / "job.log");
  ASSERT_TRUE(job.wait_for_step(run + "/metrics.jsonl", 3, 180)) << "no training progress\n" << job.output();
  auto ranks = job.ranks();
  ASSERT_EQ(ranks.size(), 2u) << job.output();
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(ranks.at(1), SIGKILL), 0);
  auto code = job.wait_for(30);
  const double took = since(t0);
  if (!code) {
    job.kill_all();
    FAIL() << "mpirun still running 30 s after kill -9 of rank 1 (job killed by the test)\n" << job.output();
  }
  EXPECT_NE(*code, 0) << job.output();
  EXPECT_NE(*code, 75) << "a killed rank is not a clean preemption\n" << job.output();
  RecordProperty("seconds_to_end", std::to_string(took));
  std::printf("mpirun ended %.2f s after kill -9 of rank 1, exit %d\n", took, *code);
  // The other rank is gone too.
  EXPECT_TRUE(job.ranks().empty());
}

// An error on one rank alone (a CUDA out-of-memory, injected here before backward while the other rank
// goes on into the step's collectives) ends the whole job at once, before anything unwinds
// (train/run.h run_or_abort), with that rank's one line: not by the collective timeout.
TEST(RankFailure, AnErrorOnOneRankEndsTheJobAtOnceNamingIt) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("rank-error");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  auto r = run_bounded(dir,
                       "SST_COLLECTIVE_TIMEOUT_S=120 SST_INJECT_ERROR_AT_STEP=3 SST_INJECT_ERROR_RANK=1 " +
                           train_cmd(2, ini, data, run, "--train.max_steps=10 --train.overlap_allreduce=true"),
                       90);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.seconds, 60) << "ended by something slower than the abort\n" << r.output;
  EXPECT_EQ(count_substr(r.output, "sst-train: error (rank 1): injected failure at step 3"), 1) << r.output;
  EXPECT_EQ(r.output.find("made no progress"), std::string::npos) << "not the collective timeout\n" << r.output;
  EXPECT_FALSE(fs::exists(run + "/summary.json"));
}

// A rank that hangs (stopped: a stuck driver, a frozen file read) breaks no connection, so only the
// collective timeout ends the job; the error names the stalled collective. (Across nodes, with a cut
// network too: tests/multinode.)
TEST(RankFailure, AHungRankEndsTheJobByTheCollectiveTimeout) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("hung");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  BackgroundJob job("SST_COLLECTIVE_TIMEOUT_S=3 " + train_cmd(2, ini, data, run, "--train.max_steps=1000000"),
                    dir / "job.log");
  ASSERT_TRUE(job.wait_for_step(run + "/metrics.jsonl", 3, 180)) << "no training progress\n" << job.output();
  auto ranks = job.ranks();
  ASSERT_EQ(ranks.size(), 2u) << job.output();
  ASSERT_EQ(::kill(ranks.at(1), SIGSTOP), 0);
  auto code = job.wait_for(30);
  ASSERT_TRUE(code.has_value()) << "mpirun still running 30 s after rank 1 stopped (timeout 3 s)\n" << job.output();
  EXPECT_NE(*code, 0) << job.output();
  const std::string out = job.output();
  EXPECT_NE(out.find("error: rank 0 ("), std::string::npos) << "rank 0 gave up waiting for rank 1\n" << out;
  EXPECT_NE(out.find("made no progress for 3 s (SST_COLLECTIVE_TIMEOUT_S)"), std::string::npos) << out;
  EXPECT_NE(out.find("the MPI collective MPI_"), std::string::npos) << out;
}

// ---- Damaged checkpoints ----

void damaged_newest_falls_back(bool truncate) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir(truncate ? "ckpt-trunc" : "ckpt-corrupt");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  const std::string opts = "--train.max_steps=12 --train.checkpoint_every=4 --train.keep_checkpoints=2";
  auto r = run_bounded(dir, train_cmd(1, ini, data, run, opts));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Checkpoints at 4, 8 and 12 (the end); only the newest 2 are kept, in the manifest and on disk.
  EXPECT_EQ(manifest_steps(run), (std::vector<int64_t>{8, 12}));
  EXPECT_EQ(count_step_files(run), 2);
  EXPECT_FALSE(fs::exists(step_file(run, 4)));

  const std::string newest = step_file(run, 12);
  const auto size = fs::file_size(newest);
  if (truncate) {
    fs::resize_file(newest, size / 2);
  } else {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(64, '\x5a');
    f.write(junk.data(), junk.size());
  }
  auto resumed = run_bounded(dir, train_cmd(1, ini, data, run, opts + " --resume auto"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("warning: checkpoint " + newest), std::string::npos) << "the damaged file is named\n"
                                                                                     << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from " + step_file(run, 8) + " at step 8"), std::string::npos)
      << resumed.output;
  auto summary = read_json(run + "/summary.json");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["steps"], 12);
  // The retrained step 12 replaced the damaged file; still at most keep_checkpoints step files.
  EXPECT_EQ(manifest_steps(run), (std::vector<int64_t>{8, 12}));
  EXPECT_EQ(count_step_files(run), 2);
  EXPECT_NO_THROW(sst::read_checkpoint_meta(newest));
}

TEST(Checkpoints, CorruptedNewestFallsBackToPrevious) { damaged_newest_falls_back(false); }

TEST(Checkpoints, TruncatedNewestFallsBackToPrevious) { damaged_newest_falls_back(true); }

// ---- Non-finite losses ----

TEST(NonFinite, StopPolicyErrorsAndWritesNoNanCheckpoint) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("nan-stop");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  auto r = run_bounded(
      dir, "SST_INJECT_NAN_AT_STEP=5 SST_INJECT_NAN_RANK=1 " +
               train_cmd(2, ini, data, run, "--train.max_steps=10 --train.checkpoint_every=2 --train.nan_policy=stop"));
  EXPECT_EQ(r.exit_code, 1) << "a clean collective stop: exit 1, not a kill or an abort\n" << r.output;
  EXPECT_EQ(count_substr(r.output, "sst-train: error"), 1) << "one error line for the whole job\n" << r.output;
  EXPECT_NE(r.output.find("sst-train: error: non-finite loss or gradient at step 5"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("MPI_ABORT"), std::string::npos) << "ranks stop together, no abort\n" << r.output;
  // Checkpoints of steps 2 and 4, none of step 5 or later; no summary.
  EXPECT_EQ(manifest_steps(run), (std::vector<int64_t>{2, 4}));
  EXPECT_FALSE(fs::exists(step_file(run, 5)));
  EXPECT_FALSE(fs::exists(step_file(run, 6)));
  EXPECT_FALSE(fs::exists(run + "/summary.json"));
  EXPECT_LE(last_logged_step(run + "/metrics.jsonl"), 4);
}

TEST(NonFinite, SkipPolicyDropsTheStep) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("nan-skip");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  auto r = run_bounded(dir, "SST_INJECT_NAN_AT_STEP=5 SST_INJECT_NAN_RANK=1 " +
                                train_cmd(2, ini, data, run, "--train.max_steps=10 --train.nan_policy=skip"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("non-finite loss/gradient at step 5, skipped"), std::string::npos) << r.output;
  auto summary = read_json(run + "/summary.json");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["steps"], 10);
  EXPECT_EQ(summary["skipped_steps"], 1);
  ASSERT_TRUE(summary["final_train_loss"].is_number()) << summary.dump();
  EXPECT_TRUE(std::isfinite(summary["final_train_loss"].get<double>()));
  EXPECT_TRUE(summary["final_dev_loss"].is_number()) << summary.dump();
  auto model = load_model(step_file(run, 10));
  for (const auto& p : model->named_parameters()) EXPECT_TRUE(torch::isfinite(p.value()).all().item<bool>()) << p.key();
}
