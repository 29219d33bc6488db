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
