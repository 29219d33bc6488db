// The memory estimate refuses what cannot fit before anything is allocated, with the numbers in the
// message, and train.memory_limit_gb overrides the detected memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "train/memory_estimate.h"

using ::testing::HasSubstr;

namespace {

sst::Config config(int64_t layers, double limit_gb = 0) {
  sst::Config c;
  c.model.vocab_size = 8000;
  c.model.d_model = 64;
  c.model.layers = layers;
  c.model.heads = 4;
  c.model.ff_dim = 256;
  c.train.global_batch = 64;
  c.train.memory_limit_gb = limit_gb;
  return c;
}

std::string error_of(const sst::Config& c, int ranks_on_node) {
  try {
    sst::check_memory_fits(sst::estimate_training_memory(c, ranks_on_node), c, ranks_on_node, false);
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(MemoryEstimate, ShippedSizesFitAndAbsurdOnesAreRefused) {
  EXPECT_EQ(error_of(config(2), 2), "");
  const std::string err = error_of(config(99999999999), 2);
  EXPECT_THAT(err, HasSubstr("config: the model (4.99e+15 parameters"));
  EXPECT_THAT(err, HasSubstr("for the 2 rank(s) on this node, more than the"));
  EXPECT_THAT(err, HasSubstr("set train.memory_limit_gb to allow more"));
}

TEST(MemoryEstimate, GrowsWithTheModelAndTheBatch) {
  const auto small = sst::estimate_training_memory(config(2), 1);
  const auto deep = sst::estimate_training_memory(config(8), 1);
  EXPECT_GT(deep.state_bytes, small.state_bytes);
  EXPECT_GT(deep.activation_bytes, small.activation_bytes);
  const auto shared = sst::estimate_training_memory(config(2), 2);  // each rank holds half the batch
  EXPECT_DOUBLE_EQ(shared.activation_bytes * 2, small.activation_bytes);
  EXPECT_DOUBLE_EQ(shared.state_bytes, small.state_bytes);
  EXPECT_GT(sst::available_memory_bytes(), 0);
}

TEST(MemoryEstimate, TheLimitOptionOverridesTheDetectedMemory) {
  EXPECT_THAT(error_of(config(2, 0.001), 1), HasSubstr("more than the 0.001 GB of train.memory_limit_gb"));
  EXPECT_EQ(error_of(config(99999999999, 1e12), 1), "") << "a limit above the estimate lets it through";
}

// The GPU estimate's parts follow the options: sharding divides the fused optimizer's state by the world
// size, SDPA drops the attention weights (the T^2 term), bf16 halves what autocast casts, and the weight
// average adds one copy of the weights.
TEST(GpuMemoryEstimate, PartsFollowShardingAttentionPrecisionAndAverage) {
  auto c = config(2);
  const double p = sst::parameter_count(c.model);
  const auto base = sst::estimate_gpu_memory(c, 2, /*fused_attention=*/false);
  EXPECT_DOUBLE_EQ(base.weights, 4 * p);
  EXPECT_DOUBLE_EQ(base.gradients, 4 * p);
  EXPECT_DOUBLE_EQ(base.optimizer_state, 12 * p);
  EXPECT_DOUBLE_EQ(base.average, 0);
  EXPECT_DOUBLE_EQ(base.autocast_weights, 0);
  // 32 sequences of max_len 64 per rank, per token 2 layers of 12*64*4 + 4*64*4 + 4*256*4 + 3*4*64*4 bytes,
  // and 4*64*4 outside the layers.
  EXPECT_DOUBLE_EQ(base.activations, 32.0 * 64 * (2 * (3072 + 1024 + 4096 + 3072) + 1024));
  EXPECT_DOUBLE_EQ(base.total(), 1.1 * (base.weights + base.gradients + base.optimizer_state + base.checkpoint_copies +
                                        base.activations));

  c.train.shard_optimizer = true;
  EXPECT_DOUBLE_EQ(sst::estimate_gpu_memory(c, 2, false).optimizer_state, 6 * p);
  c.train.shard_optimizer = false;
  const auto sdpa = sst::estimate_gpu_memory(c, 2, true);
  EXPECT_DOUBLE_EQ(base.activations - sdpa.activations, 32.0 * 64 * 2 * (3072 - 16));
  c.train.precision = sst::Precision::kBf16;
  const auto bf16 = sst::estimate_gpu_memory(c, 2, false);
  EXPECT_DOUBLE_EQ(bf16.activations, 32.0 * 64 * (2 * (1536 + 1024 + 2048 + 3072) + 1024));
  EXPECT_DOUBLE_EQ(bf16.autocast_weights, 2 * p);
  c.train.ema_decay = 0.99;
  EXPECT_DOUBLE_EQ(sst::estimate_gpu_memory(c, 2, false).average, 4 * p);
}

// Refused against the free memory with every part in the message; train.gpu_memory_gb overrides it; a
// build that cannot ask the device (free < 0) checks nothing unless a limit is given.
TEST(GpuMemoryEstimate, TooBigForTheFreeMemoryIsRefusedWithTheNumbersAndTheOptionOverrides) {
  auto c = config(2);
  const auto e = sst::estimate_gpu_memory(c, 1, false);
  auto refusal = [&](int ranks, double free) -> std::string {
    try {
      sst::check_gpu_memory_fits(e, c, ranks, free, "cuda:0");
    } catch (const sst::UserError& err) {
      return err.what();
    }
    return "";
  };
  EXPECT_EQ(refusal(1, 1e12), "");
  const std::string err = refusal(1, e.total() / 2);
  EXPECT_THAT(err, HasSubstr("config: on cuda:0 each rank needs about"));
  for (const char* part : {"weights", "gradients", "optimizer state", "activations of a micro-batch"})
    EXPECT_THAT(err, HasSubstr(part));
  EXPECT_THAT(err, HasSubstr("free (set train.gpu_memory_gb to allow more)"));
  EXPECT_THAT(refusal(2, e.total() * 1.5), HasSubstr("for the 2 rank(s) on it")) << "ranks sharing a GPU add up";
  EXPECT_EQ(refusal(1, -1), "") << "nothing to compare with";
  c.train.gpu_memory_gb = 1e3;
  EXPECT_EQ(refusal(1, e.total() / 2), "") << "the option overrides the free memory";
  c.train.gpu_memory_gb = 1e-6;
  EXPECT_THAT(refusal(1, -1), HasSubstr("of train.gpu_memory_gb"));
}
