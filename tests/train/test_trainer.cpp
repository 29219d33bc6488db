// The training run (train/trainer.h run_training) in this process, on every rank of the test's world
// (run_fixture.h): a run of N steps leaves its summary, its metrics and its checkpoints; a token budget
// ends the run at the step that spends it; a run halted after some steps and resumed ends with the same
// weights, bit for bit, as one run straight through (dropout on: its streams are a function of the step);
// a run directory that holds checkpoints is never started afresh.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_fixture.h"
#include "train/signals.h"
#include "train/trainer.h"
#include "training_runs.h"

using namespace sst::run_test;

namespace {

std::vector<int64_t> steps_of(const std::vector<nlohmann::json>& records) {
  std::vector<int64_t> steps;
  for (const auto& m : records) steps.push_back(m["step"].get<int64_t>());
  return steps;
}

std::vector<nlohmann::json> eval_records(const std::string& run) {
  std::vector<nlohmann::json> v;
  for (auto& m : sst::test::read_jsonl(run + "/metrics.jsonl"))
    if (m["kind"] == "eval") v.push_back(m);
  return v;
}

}  // namespace

TEST(RunTraining, RunsItsStepsAndLeavesTheSummaryMetricsAndCheckpoints) {
  SharedDir dir("trainer");
  const std::string run = dir / "run";
  const auto cfg = tiny_run_config(write_tiny_data(dir), run,
                                   {"--train.max_steps=6", "--train.eval_every=3", "--train.checkpoint_every=4"});
  EXPECT_EQ(sst::run_training(cfg, world()), 0);
  if (!world().is_root()) return;  // rank 0 writes the run directory

  const auto summary = sst::test::read_json(run + "/summary.json");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["steps"], 6);
  EXPECT_EQ(summary["examples_processed"], 6 * 8);
  EXPECT_EQ(summary["world_size"], world().size);
  EXPECT_EQ(summary["skipped_steps"], 0);
  const auto train = sst::test::train_records(run);
  EXPECT_EQ(steps_of(train), (std::vector<int64_t>{1, 2, 3, 4, 5, 6})) << "train.log_every = 1";
  ASSERT_FALSE(train.empty());
  EXPECT_EQ(summary["final_train_loss"], train.back()["loss"]);
  EXPECT_EQ(summary["tokens_processed"], train.back()["tokens_processed"]);
  const auto evals = eval_records(run);
  EXPECT_EQ(steps_of(evals), (std::vector<int64_t>{3, 6})) << "train.eval_every = 3";
  ASSERT_FALSE(evals.empty());
  EXPECT_EQ(summary["final_dev_loss"], evals.back()["dev_loss"]);
  EXPECT_EQ(sst::read_checkpoint_meta(run + "/checkpoints/step_00000004.pt").state.step, 4);
  EXPECT_EQ(sst::read_checkpoint_meta(run + "/checkpoints/step_00000006.pt").state.step, 6) << "and at the end";
  EXPECT_TRUE(std::filesystem::exists(run + "/checkpoints/best.pt"));
  EXPECT_FALSE(std::filesystem::exists(run + "/.lock")) << "the run directory is released";
}

TEST(RunTraining, StopsAtTheStepThatSpendsTheTokenBudget) {
  SharedDir dir("trainer");
  const std::string run = dir / "run";
  const auto cfg = tiny_run_config(write_tiny_data(dir), run, {"--train.max_tokens=150", "--train.eval_every=1000"});
  EXPECT_EQ(sst::run_training(cfg, world()), 0);
  if (!world().is_root()) return;
  const auto summary = sst::test::read_json(run + "/summary.json");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["budget_tokens"], 150);
  const auto train = sst::test::train_records(run);
  ASSERT_GE(train.size(), 2u);
  EXPECT_GE(train.back()["tokens_processed"].get<int64_t>(), 150) << "the budget is spent";
  EXPECT_LT(train[train.size() - 2]["tokens_processed"].get<int64_t>(), 150) << "but not a step before";
  EXPECT_EQ(summary["steps"], train.size());
}

TEST(RunTraining, AHaltedAndResumedRunEndsWithTheWeightsOfAStraightRun) {
  SharedDir dir("trainer");
  const std::string data = write_tiny_data(dir);
  const std::vector<std::string> opts = {"--model.dropout=0.1", "--train.max_steps=6", "--train.eval_every=2"};
  EXPECT_EQ(sst::run_training(tiny_run_config(data, dir / "straight", opts), world()), 0);

  auto halted = opts;
  halted.push_back("--train.halt_at_step=3");
  EXPECT_EQ(sst::run_training(tiny_run_config(data, dir / "chunked", halted), world()), sst::kExitCheckpointedRequeue);
  if (world().is_root()) {
    EXPECT_EQ(sst::test::read_json(dir / "chunked/summary.json")["status"], "preempted");
    EXPECT_EQ(sst::test::train_records(dir / "chunked").size(), 3u);
  }
  auto resumed = opts;
  resumed.push_back("--resume=auto");
  EXPECT_EQ(sst::run_training(tiny_run_config(data, dir / "chunked", resumed), world()), 0);
  if (!world().is_root()) return;

  const auto a = sst::test::final_params(dir / "straight", 6), b = sst::test::final_params(dir / "chunked", 6);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name << " differs after the resume";
  const auto straight = sst::test::train_records(dir / "straight"), chunked = sst::test::train_records(dir / "chunked");
  ASSERT_EQ(straight.size(), chunked.size());
  for (size_t i = 0; i < straight.size(); ++i) EXPECT_EQ(straight[i]["loss"], chunked[i]["loss"]) << "step " << i + 1;
  EXPECT_EQ(sst::test::read_json(dir / "chunked/summary.json")["status"], "completed");
}

TEST(RunTraining, RefusesToStartAfreshInARunDirectoryThatHasCheckpoints) {
  SharedDir dir("trainer");
  const std::string data = write_tiny_data(dir), run = dir / "run";
  EXPECT_EQ(sst::run_training(tiny_run_config(data, run, {"--train.max_steps=2"}), world()), 0);
  const std::string metrics = world().is_root() ? sst::test::read_text(run + "/metrics.jsonl") : "";
  expect_agreed_refusal([&] { sst::run_training(tiny_run_config(data, run, {"--train.max_steps=4"}), world()); },
                        "already has checkpoints; pass --resume auto");
  if (world().is_root()) EXPECT_EQ(sst::test::read_text(run + "/metrics.jsonl"), metrics) << "nothing changed";
}
