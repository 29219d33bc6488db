// The two properties that make a data-parallel trainer trustworthy:
//   N ranks compute what 1 rank computes (world-size invariance), and
//   a run stopped and resumed is bit-identical to one that never stopped.
// Both with the defaults: overlapped bucket all-reduce, the fused AdamW, and (on several ranks)
// embedding gradients sent as the rows a step touched. Sharding: test_sharded_optimizer.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "training_runs.h"

using namespace sst::test;

TEST(WorldSizeInvariance, OneTwoAndFourRanksTrainTheSameModel) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("wsi");
  std::map<int, std::string> runs;
  for (int world : {1, 2, 4}) {
    std::string name = "w";  // appended, not "w" + ...: GCC 12 at C++20 warns there (-Wstringop-overflow, false)
    name += std::to_string(world);
    runs[world] = dir / name;
    // Dropout 0: per-rank dropout streams legitimately differ between world sizes.
    auto r = run_command(mpirun(world) + " " + bin("sst-train") + small_run_args(data, runs[world]) +
                         " --train.max_steps=50 --model.dropout=0");
    ASSERT_EQ(r.exit_code, 0) << "world " << world << ":\n" << r.output;
  }
  for (int world : {2, 4}) {
    const std::string log = read_text(runs[world] + "/train.log");
    EXPECT_NE(log.find("gradient bucket(s), overlapped with backward"), std::string::npos) << log;
    EXPECT_EQ(log.find("(1 gradient bucket(s)"), std::string::npos) << "expected several buckets:\n" << log;
    // Embedding gradients went as touched rows (train.sparse_embedding = auto) on more than one rank.
    const auto summary = read_json(runs[world] + "/summary.json");
    EXPECT_GT(summary["sparse_embedding_steps"].get<int64_t>(), 0) << "world " << world;
    // The touched-row counts rode on the previous step's control all-reduce: only the first step
    // needed an all-reduce of its own.
    EXPECT_EQ(summary["sparse_counts_apart"].get<int64_t>(), 1) << "world " << world;
    expect_same_training(runs[1], runs[world], 50, "world " + std::to_string(world));
  }
}

TEST(BitExactResume, SixtyPlusFortyEqualsOneHundredStraight) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("resume");
  const std::string straight = dir / "straight", chunked = dir / "chunked";
  // Dropout and word dropout on: the per-step random streams must be restored too; and the weight
  // average, which is what gets evaluated.
  const std::string common =
      " --train.max_steps=100 --model.dropout=0.1 --model.word_dropout=0.1"
      " --train.ema_decay=0.9";
  auto a = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, straight) + common);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b1 = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, chunked) + common +
                        " --train.halt_at_step=60");
  ASSERT_EQ(b1.exit_code, 75) << "halting at a step checkpoints and asks for a requeue\n" << b1.output;
  auto b2 = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, chunked) + common + " --resume auto");
  ASSERT_EQ(b2.exit_code, 0) << b2.output;
  EXPECT_NE(b2.output.find("resumed from"), std::string::npos);

  auto pa = final_params(straight, 100), pb = final_params(chunked, 100);
  for (auto& [name, t] : pa) EXPECT_TRUE(torch::equal(t, pb.at(name))) << "parameter " << name << " differs";
  auto va = final_params(straight, 100, /*average=*/true), vb = final_params(chunked, 100, /*average=*/true);
  for (auto& [name, t] : va) {
    EXPECT_TRUE(torch::equal(t, vb.at(name))) << "averaged parameter " << name << " differs";
    EXPECT_FALSE(torch::equal(t, pa.at(name))) << "the average of " << name << " is not the weights";
  }

  auto ra = train_records(straight), rb = train_records(chunked);
  ASSERT_EQ(ra.size(), 100u);
  ASSERT_EQ(rb.size(), 100u) << "each step logged exactly once across the two processes";
  for (size_t i = 60; i < 100; ++i)
    for (const char* key : {"step", "loss", "lr", "grad_norm", "tokens_processed"})
      EXPECT_EQ(ra[i][key], rb[i][key]) << key << " at step " << i + 1;
  auto sa = read_json(straight + "/summary.json"), sb = read_json(chunked + "/summary.json");
  EXPECT_EQ(sa["best_dev_loss"], sb["best_dev_loss"]);
  EXPECT_EQ(sa["final_dev_acc"], sb["final_dev_acc"]);
}
