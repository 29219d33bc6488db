// train/run_recorder.h: what a run leaves in its directory while it trains. Nothing before the run is
// accepted, then config.ini and the notes in train.log; a metrics.jsonl line for step 1 and every
// train.log_every-th step (with its rates) and for each evaluation, TensorBoard events only when asked;
// step checkpoints in their rotation, best.pt and cooldown snapshots beside it, each carrying the run's
// state and its wall time across resumes; at the end summary.json and a message naming only the files
// that exist. Rank 0 writes all of it; another rank writes nothing but joins every save's collectives.
// A real Run on one MPI rank (run_fixture.h: setup() of the tiny model on the tiny data set); the steps'
// results are made up, so the records' numbers can be checked exactly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "run_fixture.h"
#include "test_support.h"
#include "train/run_recorder.h"

namespace fs = std::filesystem;
using sst::RunRecorder;
using sst::rundir::RunStatus;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace sst::run_test;

namespace {

constexpr double kStepSeconds = 0.5;

// An optimizer with no state that counts the gathers a save starts with (a sharded one's collective).
struct GatherCounter final : sst::Optimizer {
  std::string name() const override { return "counter"; }
  void step(double) override {}
  void gather_state() override { ++gathers; }
  void save(torch::serialize::OutputArchive&) const override {}
  void load(torch::serialize::InputArchive&) override {}
  int64_t state_bytes() const override { return 0; }
  int gathers = 0;
};

struct Recorder : ::testing::Test {
  SharedDir tmp{"recorder"};
  const std::string out = tmp / "run";
  std::unique_ptr<sst::Run> run;
  // Started 2 s ago, after earlier sessions that trained for 100 s.
  const RunRecorder::Clock::time_point started = RunRecorder::Clock::now() - std::chrono::seconds(2);

  sst::Config config(const std::string& tensorboard = "false") const {
    return tiny_run_config(
        write_tiny_data(tmp), out,
        {"--train.prefetch=false", "--train.max_steps=10", "--train.warmup_steps=2", "--train.log_every=3",
         "--train.keep_checkpoints=2", "--output.tensorboard=" + tensorboard});
  }
  // The Run as run_training builds it, resumed from a state with 100 s of training behind it.
  sst::Run& set_up(const std::string& tensorboard = "false") {
    run = std::make_unique<sst::Run>(config(tensorboard), world());
    sst::setup(*run);
    run->state.wall_s = 100;
    return *run;
  }
  // Step `step` (0-based) done, as trainer.cpp's step_and_record counts it: 8 examples, 60 of 80 tokens.
  static void step_done(sst::Run& r, RunRecorder& rec, int64_t step) {
    sst::StepResult res;
    res.loss = 0.25 * static_cast<double>(step);
    res.grad_norm = 2;
    res.examples = 8;
    res.tokens = 60;
    res.padded_tokens = 80;
    res.truncated = 1;
    res.times.data = 0.01;
    res.times.allreduce = 0.02;
    r.state.step = step + 1;
    r.state.tokens_processed += res.tokens;
    r.state.examples_processed += res.examples;
    rec.train_step_done(res, step, kStepSeconds);
  }
  std::vector<nlohmann::json> records(const std::string& kind) const {
    std::vector<nlohmann::json> v;
    for (auto& j : sst::test::read_jsonl(out + "/metrics.jsonl"))
      if (j.at("kind") == kind) v.push_back(j);
    return v;
  }
};

}  // namespace

TEST_F(Recorder, TouchesTheRunDirectoryOnlyOnceTheRunIsAccepted) {
  auto& r = set_up();
  for (const auto& f : {r.dir.config_ini(), r.dir.metrics(), r.dir.train_log()})
    EXPECT_FALSE(fs::exists(f)) << f << " before the recorder";
  RunRecorder rec(r, {"resumed from somewhere at step 0", "sst-train: 1 rank(s)"}, started);
  EXPECT_EQ(sst::test::read_text(r.dir.config_ini()), r.cfg.resolved_ini) << "the resolved configuration";
  EXPECT_THAT(r.cfg.resolved_ini, HasSubstr("log_every = 3"));
  const std::string log = sst::test::read_text(r.dir.train_log());
  EXPECT_THAT(log, HasSubstr("resumed from somewhere at step 0\nsst-train: 1 rank(s)\n"));
  rec.message("warning: something");
  EXPECT_THAT(sst::test::read_text(r.dir.train_log()), HasSubstr("warning: something\n"));
}

TEST_F(Recorder, LogsTheFirstAndEveryLogEveryThStepWithItsRates) {
  auto& r = set_up();
  RunRecorder rec(r, {}, started);
  for (int64_t step = 0; step < 7; ++step) step_done(r, rec, step);
  const auto train = records("train");
  ASSERT_EQ(train.size(), 3u);
  EXPECT_EQ(train[0].at("step"), 1) << "the first step, to see a run start";
  EXPECT_EQ(train[1].at("step"), 3);
  EXPECT_EQ(train[2].at("step"), 6);
  const auto& j = train[2];  // optimizer step 5
  EXPECT_EQ(j.at("loss"), 1.25);
  EXPECT_EQ(j.at("grad_norm"), 2.0);
  EXPECT_EQ(j.at("lr"), r.schedule.at(5));
  EXPECT_DOUBLE_EQ(j.at("epoch").get<double>(), 5.0 / static_cast<double>(r.sampler->batches_per_epoch()));
  EXPECT_DOUBLE_EQ(j.at("examples_per_s").get<double>(), 8 / kStepSeconds);
  EXPECT_DOUBLE_EQ(j.at("tokens_per_s").get<double>(), 60 / kStepSeconds);
  EXPECT_DOUBLE_EQ(j.at("step_ms").get<double>(), 500);
  EXPECT_DOUBLE_EQ(j.at("data_wait_ms").get<double>(), 10);
  EXPECT_DOUBLE_EQ(j.at("allreduce_wait_ms").get<double>(), 20);
  EXPECT_DOUBLE_EQ(j.at("pad_fraction").get<double>(), 0.25);
  EXPECT_EQ(j.at("tokens_processed"), 6 * 60);
  EXPECT_EQ(j.at("truncated"), 1);
  EXPECT_GE(j.at("elapsed_s").get<double>(), 102) << "the wall time of earlier sessions counts";
  EXPECT_TRUE(j.at("time").is_string());
  EXPECT_FALSE(fs::exists(r.dir.tensorboard())) << "no TensorBoard events unless asked";
}

TEST_F(Recorder, EvaluationsAreLoggedAtTheirStepAndInTrainLog) {
  auto& r = set_up();
  RunRecorder rec(r, {}, started);
  for (int64_t step = 0; step < 4; ++step) step_done(r, rec, step);
  r.state.best_dev_loss = 0.5;
  r.state.best_step = 4;
  rec.eval_done(0.5, 0.75);
  const auto eval = records("eval");
  ASSERT_EQ(eval.size(), 1u);
  EXPECT_EQ(eval[0].at("step"), 4);
  EXPECT_EQ(eval[0].at("dev_loss"), 0.5);
  EXPECT_EQ(eval[0].at("dev_acc"), 0.75);
  EXPECT_EQ(eval[0].at("tokens_processed"), 4 * 60);
  EXPECT_THAT(sst::test::read_text(r.dir.train_log()),
              HasSubstr("eval step 4: dev loss 0.5000, dev acc 0.7500 (best dev loss 0.5000 at step 4)"));
}

TEST_F(Recorder, TensorBoardEventsAreWrittenWhenAsked) {
  auto& r = set_up(/*tensorboard=*/"true");
  RunRecorder rec(r, {}, started);
  step_done(r, rec, 0);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(r.dir.tensorboard())) files.push_back(e.path().filename().string());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_THAT(files[0], ::testing::StartsWith("events.out.tfevents."));
  EXPECT_GT(fs::file_size(r.dir.tensorboard() + "/" + files[0]), 0u);
}

TEST_F(Recorder, StepCheckpointsRotateWhileBestAndSnapshotsStayApart) {
  auto& r = set_up();
  RunRecorder rec(r, {}, started);
  for (int64_t step = 0; step < 6; ++step) {
    step_done(r, rec, step);
    if (r.state.step % 2 == 0) rec.save_step();
    if (r.state.step == 3) rec.save_snapshot();
    if (r.state.step == 5) rec.save_best();
  }
  EXPECT_FALSE(fs::exists(r.dir.step_checkpoint(2))) << "train.keep_checkpoints = 2";
  EXPECT_TRUE(fs::exists(r.dir.step_checkpoint(4)));
  EXPECT_TRUE(fs::exists(r.dir.step_checkpoint(6)));
  EXPECT_TRUE(fs::exists(r.dir.manifest()));
  EXPECT_EQ(sst::read_checkpoint_meta(r.dir.best_checkpoint()).state.step, 5);
  EXPECT_EQ(sst::read_checkpoint_meta(r.dir.snapshot(3)).state.step, 3) << "kept outside the rotation";
}

TEST_F(Recorder, CheckpointsCarryTheRunsStateDataAndWallTimeAcrossResumes) {
  auto& r = set_up();
  RunRecorder rec(r, {}, started);
  for (int64_t step = 0; step < 2; ++step) step_done(r, rec, step);
  rec.save_step();
  const auto meta = sst::read_checkpoint_meta(r.dir.step_checkpoint(2));
  EXPECT_EQ(meta.state.step, 2);
  EXPECT_EQ(meta.state.tokens_processed, 120);
  EXPECT_EQ(meta.state.examples_processed, 16);
  EXPECT_GE(meta.state.wall_s, 102) << "100 s before this session, 2 s in it";
  EXPECT_LT(meta.state.wall_s, 160);
  EXPECT_EQ(meta.config_ini, r.cfg.resolved_ini);
  EXPECT_EQ(meta.seed, r.cfg.train.seed);
  EXPECT_EQ(meta.world_size, 1);
  EXPECT_EQ(meta.model.d_model, 16);
  EXPECT_EQ(meta.tokenizer.vocab_size, r.file->tokenizer().vocab_size);
  EXPECT_EQ(meta.data_schema_version, r.file->identity().schema_version);
  EXPECT_EQ(meta.class_names, r.file->class_names());
}

TEST_F(Recorder, FinishWritesTheSummaryAndNamesOnlyTheFilesThatExist) {
  auto& r = set_up();
  RunRecorder rec(r, {}, started);
  for (int64_t step = 0; step < 4; ++step) step_done(r, rec, step);
  rec.save_step();
  const sst::RunOutcome outcome{RunStatus::kCompleted, 0.5, 0.75, 0.4};
  ::testing::internal::CaptureStdout();
  rec.finish(outcome);
  const std::string said = ::testing::internal::GetCapturedStdout();
  const auto summary = sst::rundir::read_summary(r.dir);
  ASSERT_TRUE(summary);
  EXPECT_EQ(sst::rundir::to_json(*summary), sst::rundir::to_json(sst::make_summary(r, outcome)));
  EXPECT_EQ(summary->steps, 4);
  EXPECT_GE(summary->wall_s, 102);
  EXPECT_THAT(said, HasSubstr("completed: dev accuracy 0.7500, dev loss 0.5000\n")) << "no best: never evaluated";
  EXPECT_THAT(said, HasSubstr("run directory: " + out + "\n"));
  EXPECT_THAT(said, HasSubstr("(step_*.pt, manifest.json)\n"));
  EXPECT_THAT(said, Not(HasSubstr("best.pt")));
  EXPECT_THAT(said, HasSubstr("summary:     " + r.dir.summary()));
}

TEST_F(Recorder, APreemptedRunSaysWhereItStoppedAndHowToResume) {
  auto& r = set_up();
  RunRecorder rec(r, {}, started);
  for (int64_t step = 0; step < 4; ++step) step_done(r, rec, step);
  rec.save_step();
  ::testing::internal::CaptureStdout();
  rec.finish({RunStatus::kPreempted, NAN, NAN, 0.4});
  const std::string said = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(said, HasSubstr("preempted: checkpointed at step 4 of 10; resume with --resume auto\n"));
  EXPECT_EQ(sst::rundir::read_summary(r.dir)->status, RunStatus::kPreempted);
}

// Rank 1 of 2 (a World that says so, on one MPI process): the recorder holds no file and writes none,
// yet every save still gathers the optimizer's state and stamps the wall time, as rank 0's does.
TEST_F(Recorder, AnotherRankWritesNothingButJoinsEverySave) {
  sst::comm::World second;
  second.rank = 1;
  second.size = 2;
  sst::Run r(config(), second);
  auto counter = std::make_unique<GatherCounter>();
  const auto& gathers = counter->gathers;
  r.optimizer = std::move(counter);
  r.state.wall_s = 100;
  RunRecorder rec(r, {"a note"}, started);
  rec.message("a line");
  r.state.step = 1;
  rec.train_step_done(sst::StepResult{}, 0, kStepSeconds);
  rec.eval_done(0.5, 0.75);
  rec.save_step();
  rec.save_snapshot();
  rec.save_best();
  rec.finish({RunStatus::kCompleted, 0.5, 0.75, 0.4});
  EXPECT_FALSE(fs::exists(out)) << "only rank 0 writes the run directory";
  EXPECT_EQ(gathers, 3) << "each save gathers on every rank";
  EXPECT_GE(r.state.wall_s, 102);
}
