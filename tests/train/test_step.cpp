// One optimizer step (train/step.h train_step) on a Run built by setup, on every rank of the test's world
// (run_fixture.h; 1 and 2 ranks): the loss and the gradient of the whole global batch's mean, whatever
// the number of ranks, with the counters summed over ranks; the loss going down on a batch seen again and
// again; and a non-finite loss on one rank alone leaving every rank's weights as they were.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "run_fixture.h"
#include "train/run.h"
#include "train/step.h"

using namespace sst::run_test;

namespace {

// A Run of the tiny model, set up on every rank.
struct StepRun {
  SharedDir dir{"step"};
  sst::Run r;
  explicit StepRun(const std::vector<std::string>& extra)
      : r(tiny_run_config(write_tiny_data(dir), dir / "run", extra), world()) {
    sst::setup(r);
  }
};

}  // namespace

TEST(TrainStep, GivesTheMeanLossAndGradientOfTheWholeGlobalBatchOnEveryRank) {
  StepRun s({"--train.grad_clip=0", "--train.max_steps=4"});
  sst::Run& r = s.r;
  // The reference: a copy of the model on the whole global batch of step 0, on this one process.
  const auto b = r.train->batch(r.sampler->global_batch(0), r.cfg.model.max_len);
  sst::TransformerClassifier ref(r.cfg.model);
  const auto params = r.model->parameters(), ref_params = ref->parameters();
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) ref_params[i].copy_(params[i]);
  }
  const auto loss = torch::nn::functional::cross_entropy(ref->forward(b.ids, b.pad_mask), b.labels);
  loss.backward();

  const sst::StepResult res = sst::train_step(r, 0);
  EXPECT_NEAR(res.loss, loss.item<double>(), 1e-6);
  double norm_sq = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto want = ref_params[i].grad().defined() ? ref_params[i].grad() : torch::zeros_like(ref_params[i]);
    norm_sq += want.pow(2).sum().item<double>();
    EXPECT_TRUE(torch::allclose(params[i].grad(), want, 1e-4, 1e-7))
        << "parameter " << i << ": the reduced gradient is the global batch's mean on " << world().size << " rank(s)";
  }
  EXPECT_NEAR(res.grad_norm, std::sqrt(norm_sq), 1e-5 * std::sqrt(norm_sq));
  EXPECT_EQ(res.examples, 8) << "summed over ranks";
  EXPECT_EQ(res.tokens, b.real_tokens) << "summed over ranks";
  EXPECT_GE(res.padded_tokens, res.tokens);
  EXPECT_EQ(res.truncated, 0);
  EXPECT_FALSE(res.nonfinite);
  EXPECT_FALSE(res.stop);
  EXPECT_EQ(control().broadcast(weights_of(r)), weights_of(r)) << "every rank took the same update";
}

TEST(TrainStep, ReducesTheLossOnTheSameBatchStepAfterStep) {
  // A quarter of the 32 examples: one global batch of 8, the same examples every step.
  StepRun s({"--data.fraction=0.25", "--train.max_steps=12"});
  std::vector<double> losses;
  for (int64_t step = 0; step < 12; ++step) {
    const sst::StepResult res = sst::train_step(s.r, step);
    EXPECT_EQ(res.examples, 8);
    losses.push_back(res.loss);
  }
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << "first loss " << losses.front() << ", last " << losses.back();
  EXPECT_EQ(control().broadcast(weights_of(s.r)), weights_of(s.r));
}

TEST(TrainStep, ANonFiniteLossOnOneRankLeavesTheWeightsOfEveryRankAsTheyWere) {
  StepRun s({"--train.max_steps=4"});
  sst::Run& r = s.r;
  const int bad_rank = world().size - 1;  // not the root, where there are two ranks
  r.loss_hook = [bad_rank](const torch::Tensor& loss, int64_t step) {
    return step == 0 && world().rank == bad_rank ? loss * NAN : loss;
  };
  const auto before = r.grads->flat_params().clone();
  const sst::StepResult bad = sst::train_step(r, 0);
  EXPECT_TRUE(bad.nonfinite) << "agreed on every rank";
  EXPECT_TRUE(std::isnan(bad.loss));
  EXPECT_TRUE(torch::equal(r.grads->flat_params(), before)) << "no update from a non-finite step";

  const sst::StepResult next = sst::train_step(r, 1);
  EXPECT_FALSE(next.nonfinite);
  EXPECT_FALSE(torch::equal(r.grads->flat_params(), before)) << "the next, finite step updates again";
  EXPECT_EQ(control().broadcast(weights_of(r)), weights_of(r));
}
