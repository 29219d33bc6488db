// Compute budgets and cooldown branches on real SST-2 (train/budget.h): a FLOP budget trains C / (6N) tokens
// with the LR schedule ending there, and a wsd cooldown branch started from a longer run's snapshot is the
// run of its own length (the same losses), on another world size too, without retraining its prefix.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

// A small model without dropout (its masks depend on the rank, so with dropout runs on different world sizes
// differ), one thread per rank, evaluations every 20 steps, every step logged.
std::string train(int ranks, const std::string& data, const std::string& run, const std::string& extra) {
  return (ranks > 1 ? mpirun(ranks) + " " : std::string()) + bin("sst-train") + " --config " + sst::test::source_dir() +
         "/configs/tiny.ini --data " + data + " --out-dir " + run +
         " --model.d_model=32 --model.layers=1 --model.heads=2 --model.ff_dim=64 --model.dropout=0 --train.max_steps=0"
         " --train.warmup_steps=10 --train.eval_every=20 --train.log_every=1 --train.checkpoint_every=1000"
         " --train.threads=1" +
         kOnCpu + " " + extra;
}

std::map<int64_t, double> train_losses(const std::string& run) {
  std::map<int64_t, double> out;
  for (const auto& m : read_jsonl(run + "/metrics.jsonl"))
    if (m["kind"] == "train") out[m["step"].get<int64_t>()] = m["loss"].get<double>();
  return out;
}

}  // namespace

TEST(Budgets, AFlopBudgetTrainsItsTokensAndTheScheduleEndsThere) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("budget");
  const std::string run = dir / "flops";
  const double flops = 3e9;
  auto r = run_command(train(1, data, run, "--train.max_flops=3e9 --train.schedule=cosine"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto s = read_json(run + "/summary.json");
  const double n = s["non_embedding_params"].get<double>();
  const double tokens = s["tokens_processed"].get<double>();
  EXPECT_EQ(s["status"], "completed");
  EXPECT_NEAR(s["budget_tokens"].get<double>(), flops / (6 * n), 1e-6 * flops / n);
  EXPECT_NEAR(s["budget_flops"].get<double>(), flops, 1e-6 * flops);
  EXPECT_GE(tokens, flops / (6 * n));
  EXPECT_LT(tokens - flops / (6 * n), 64.0 * 64.0) << "more than one step over the budget";
  // FLOPs and tokens at the best evaluation, not at the end.
  EXPECT_LE(s["tokens_at_best"].get<double>(), tokens);
  EXPECT_DOUBLE_EQ(s["flops_at_best"].get<double>(), 6 * n * s["tokens_at_best"].get<double>());
  EXPECT_EQ(s["schedule"], "cosine");
  // The schedule follows the budget: the last step runs at the floor (lr x min_lr_ratio = 2e-4).
  const auto metrics = read_jsonl(run + "/metrics.jsonl");
  double last_lr = -1;
  for (const auto& m : metrics)
    if (m["kind"] == "train") last_lr = m["lr"];
  EXPECT_NEAR(last_lr, 2e-4, 2e-6);
}

TEST(Budgets, ACooldownBranchIsTheRunOfItsLength) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("branch");
  const std::string main = dir / "main", branch = dir / "branch", full = dir / "full";
  const std::string wsd = "--train.schedule=wsd --train.decay_fraction=0.25 ";
  auto r = run_command(train(1, data, main, wsd + "--train.max_tokens=120000 --train.snapshot_budgets=60000"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(train(1, data, full, wsd + "--train.max_tokens=60000"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The branch on two ranks: rank 0 picks the snapshot, every rank loads it.
  r = run_command(train(2, data, branch, wsd + "--train.max_tokens=60000 --train.branch_from=" + main));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cooldown branch from " + main + "/snapshots/step_"), std::string::npos) << r.output;

  const auto sf = read_json(full + "/summary.json"), sb = read_json(branch + "/summary.json");
  const int64_t at = sb["branch_step"];
  EXPECT_GT(at, 10);
  EXPECT_LT(at, sb["steps"].get<int64_t>());
  EXPECT_TRUE(fs::exists(main + "/snapshots/" + std::string("step_") + std::string(8 - std::to_string(at).size(), '0') +
                         std::to_string(at) + ".pt"));
  EXPECT_EQ(sb["steps"], sf["steps"]);
  EXPECT_EQ(sb["tokens_processed"], sf["tokens_processed"]);
  EXPECT_NEAR(sb["best_dev_loss"].get<double>(), sf["best_dev_loss"].get<double>(), 1e-4);
  EXPECT_NEAR(sb["final_dev_loss"].get<double>(), sf["final_dev_loss"].get<double>(), 1e-4);
  EXPECT_EQ(sf["branch_step"], -1);
  // Every step the branch trained matches the full run's (world-size invariance holds to ~1e-5).
  const auto lb = train_losses(branch), lf = train_losses(full);
  ASSERT_FALSE(lb.empty());
  EXPECT_EQ(lb.begin()->first, at + 1);
  for (const auto& [step, loss] : lb) EXPECT_NEAR(loss, lf.at(step), 1e-4 * std::abs(lf.at(step))) << step;
  // Its own compute excludes the prefix it inherited.
  EXPECT_LT(sb["flops_spent"].get<double>(), 0.5 * sf["flops_spent"].get<double>());
  EXPECT_DOUBLE_EQ(sf["flops_spent"].get<double>(), sf["flops"].get<double>());

  // A branch whose parent has no snapshot for its budget says what to do.
  r = run_command(train(1, data, dir / "orphan", wsd + "--train.max_tokens=50000 --train.branch_from=" + main));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("train.branch_from: " + main + "/snapshots/"), std::string::npos) << r.output;
}
