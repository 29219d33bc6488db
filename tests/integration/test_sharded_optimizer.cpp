// train.shard_optimizer (ZeRO-1), the fused AdamW and sparse embedding gradients keep the trainer's
// guarantees: sharded training equals unsharded training on 1, 2 and 3 ranks (the world-size
// tolerance); the gradient norm, reduced from the shards, is exactly the unsharded one, so clipping
// stays exact; resume is bit-exact with sharding on; checkpoints hold the full optimizer state, so a
// run resumes on another world size, sharded from unsharded and back, fused from torch's AdamW and back.
#include <gtest/gtest.h>

#include <cmath>

#include "training_runs.h"

using namespace sst::test;

namespace {

// Divisible by 1, 2, 3 and 4 ranks. Clipping at 0.1 acts on nearly every step (checked below), so the
// shard-reduced norm is exercised.
constexpr int64_t kBatch = 48;
const std::string kCommon = "--model.dropout=0 --train.grad_clip=0.1";

}  // namespace

TEST(ShardedOptimizer, EqualsUnshardedOnOneTwoAndThreeRanksWithExactClipping) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("zero1");
  const std::string ref = dir / "plain_w1";
  ASSERT_EQ(train_small(1, data, ref, kCommon + " --train.max_steps=50", kBatch).exit_code, 0);
  std::map<int, std::string> sharded;
  for (int world : {1, 2, 3}) {
    sharded[world] = dir / ("sharded_w" + std::to_string(world));
    auto r = train_small(world, data, sharded[world], kCommon + " --train.max_steps=50 --train.shard_optimizer=true",
                         kBatch);
    ASSERT_EQ(r.exit_code, 0) << "world " << world << ":\n" << r.output;
    expect_same_training(ref, sharded[world], 50, "sharded on " + std::to_string(world) + " rank(s)");
  }
  // Optimizer state per rank shrinks by the world size.
  const int64_t full = read_json(ref + "/summary.json")["optimizer_state_bytes_per_rank"];
  for (int world : {1, 2, 3}) {
    auto s = read_json(sharded[world] + "/summary.json");
    EXPECT_EQ(s["optimizer"], "fused_adamw_sharded");
    const int64_t bytes = s["optimizer_state_bytes_per_rank"];
    EXPECT_LE(std::abs(bytes * world - full), 8 * world) << "world " << world;  // up to W-1 padding floats x 2
  }
  // Two ranks, sharded or not: the same shard norms summed in the same order, so the same global norm,
  // bit for bit, and clipping was active.
  const std::string plain2 = dir / "plain_w2";
  ASSERT_EQ(train_small(2, data, plain2, kCommon + " --train.max_steps=50", kBatch).exit_code, 0);
  auto a = train_records(plain2), b = train_records(sharded[2]);
  int clipped = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["grad_norm"], b[i]["grad_norm"]) << "step " << i + 1;
    clipped += a[i]["grad_norm"].get<double>() > 0.1;
  }
  EXPECT_GE(clipped, 40) << "clipping should act on most steps";
}

TEST(ShardedOptimizer, ResumeIsBitExact) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("zero1_resume");
  const std::string straight = dir / "straight", chunked = dir / "chunked";
  const std::string args =
      "--train.max_steps=100 --model.dropout=0.1 --model.word_dropout=0.1 --train.shard_optimizer=true";
  ASSERT_EQ(train_small(2, data, straight, args).exit_code, 0);
  auto b1 = train_small(2, data, chunked, args + " --train.halt_at_step=60");
  ASSERT_EQ(b1.exit_code, 75) << b1.output;
  auto b2 = train_small(2, data, chunked, args + " --resume auto");
  ASSERT_EQ(b2.exit_code, 0) << b2.output;
  expect_bit_identical(straight, chunked, 100, 60);
}

TEST(ShardedOptimizer, CheckpointsResumeAcrossWorldSizesShardingAndOptimizers) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("zero1_cross");
  const std::string straight = dir / "straight";
  const std::string args = kCommon + " --train.max_steps=50";
  ASSERT_EQ(train_small(1, data, straight, args, kBatch).exit_code, 0);
  struct Leg {
    int ranks;
    std::string options;
  };
  // Sharded on 2 ranks -> unsharded torch AdamW on 3; torch AdamW on 1 -> sharded on 2.
  for (auto [name, first, second] :
       {std::tuple{"sharded2_then_torch3", Leg{2, "--train.shard_optimizer=true"}, Leg{3, "--train.fused_adamw=false"}},
        {"torch1_then_sharded2", Leg{1, "--train.fused_adamw=false"}, Leg{2, "--train.shard_optimizer=true"}}}) {
    const std::string run = dir / name;
    auto a = train_small(first.ranks, data, run, args + " --train.halt_at_step=25 " + first.options, kBatch);
    ASSERT_EQ(a.exit_code, 75) << name << ":\n" << a.output;
    auto b = train_small(second.ranks, data, run, args + " --resume auto " + second.options, kBatch);
    ASSERT_EQ(b.exit_code, 0) << name << ":\n" << b.output;
    EXPECT_NE(b.output.find("resumed from"), std::string::npos) << b.output;
    expect_same_training(straight, run, 50, name);
  }
}
