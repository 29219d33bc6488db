// The exponential moving average of the weights (train/weight_average.h): it starts as a copy of the
// model (its own storage, in eval mode), moves by (1 - decay) toward the weights at each update, and
// decay 0 copies them. Saving and loading it with a checkpoint is test_checkpoint.cpp's.
#include <gtest/gtest.h>

#include <vector>

#include "checkpoint_fixture.h"
#include "train/weight_average.h"

namespace {

sst::TransformerClassifier model(uint64_t seed) {
  const sst::ModelConfig cfg = sst::checkpoint_test::tiny_config();
  torch::manual_seed(seed);
  return sst::TransformerClassifier(cfg);
}

}  // namespace

TEST(WeightAverage, StartsAsACopyAndMovesTowardTheWeightsByOneMinusDecay) {
  auto a = model(1), b = model(2);
  auto average = sst::make_average(a);
  EXPECT_FALSE(average->is_training());
  auto pa = a->parameters(), pb = b->parameters(), pv = average->parameters();
  ASSERT_EQ(pv.size(), pa.size());
  std::vector<torch::Tensor> a0;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pv[i], pa[i])) << "starts as a copy";
    EXPECT_NE(pv[i].data_ptr(), pa[i].data_ptr()) << "in storage of its own";
    a0.push_back(pa[i].detach().clone());
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& p : pa) p.add_(1.0);  // the model trains on: the average does not move by itself
  }
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pv[i], a0[i])) << "parameter " << i;

  sst::update_average(average, b, 0.75);
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::allclose(pv[i], 0.75 * a0[i] + 0.25 * pb[i], 1e-6, 1e-7)) << "parameter " << i;
  sst::update_average(average, b, 0.75);  // twice: 0.75^2 of the start is left
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::allclose(pv[i], 0.5625 * a0[i] + 0.4375 * pb[i], 1e-6, 1e-6)) << "parameter " << i;
  sst::update_average(average, a, 0.0);
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pv[i], pa[i])) << "decay 0 copies";
}
