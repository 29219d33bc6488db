// The reference optimizer (src/train/optimizer.h: make_torch_adamw): AdamW's first step in closed form, with
// weight decay on the decay group only and the learning rate of each call; its state's size; and its state
// saved and loaded so that the next step is the same.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <sstream>

#include "train/optimizer.h"

namespace {

struct Params {
  torch::Tensor w = torch::tensor({1.0F, -2.0F}).requires_grad_(true);  // decay group
  torch::Tensor b = torch::tensor({0.5F}).requires_grad_(true);         // no decay
  Params() {
    w.mutable_grad() = torch::tensor({0.5F, -0.1F});
    b.mutable_grad() = torch::tensor({2.0F});
  }
  sst::ParamGroups groups() const { return {{w}, {b}}; }
};

}  // namespace

// Step 1: m = (1 - b1) g, v = (1 - b2) g^2, bias-corrected to g and g^2, so the update is lr g / (|g| + eps);
// decoupled decay first multiplies the decay group by 1 - lr wd.
TEST(Optimizer, TheFirstStepIsAdamWsClosedForm) {
  Params p;
  sst::AdamWSettings s;
  s.weight_decay = 0.1;
  const auto opt = sst::make_torch_adamw(p.groups(), s);
  EXPECT_EQ(opt->name(), "adamw");
  opt->step(0.01);  // the call's rate, not settings.lr
  auto expect = [](float p0, float g, double decay) {
    return static_cast<float>(p0 * (1 - 0.01 * decay) - 0.01 * g / (std::abs(g) + 1e-8));
  };
  EXPECT_FLOAT_EQ(p.w[0].item<float>(), expect(1.0F, 0.5F, 0.1));
  EXPECT_FLOAT_EQ(p.w[1].item<float>(), expect(-2.0F, -0.1F, 0.1));
  EXPECT_FLOAT_EQ(p.b[0].item<float>(), expect(0.5F, 2.0F, 0.0));
  EXPECT_EQ(opt->state_bytes(), 2 * 3 * 4);  // two fp32 moments of three values
}

TEST(Optimizer, ARateOfZeroMovesNothing) {
  Params p;
  sst::AdamWSettings s;
  s.weight_decay = 0.1;
  sst::make_torch_adamw(p.groups(), s)->step(0.0);
  EXPECT_TRUE(torch::equal(p.w, torch::tensor({1.0F, -2.0F})));
  EXPECT_TRUE(torch::equal(p.b, torch::tensor({0.5F})));
}

// Saved after two steps and loaded into a fresh optimizer over equal parameters: the third step, on a new
// gradient, is the same (and differs from the step of an optimizer without those moments).
TEST(Optimizer, SavedStateResumesTheSameSteps) {
  Params a, b;
  const auto first = sst::make_torch_adamw(a.groups(), {});
  first->step(0.01);
  first->step(0.01);
  torch::serialize::OutputArchive out;
  first->save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  {
    torch::NoGradGuard no_grad;
    b.w.copy_(a.w);
    b.b.copy_(a.b);
  }
  const auto second = sst::make_torch_adamw(b.groups(), {});
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  second->load(in);
  Params fresh;  // the same parameters under a new optimizer, without the moments
  {
    torch::NoGradGuard no_grad;
    fresh.w.copy_(a.w);
    fresh.b.copy_(a.b);
  }
  for (auto* params : {&a, &b, &fresh}) params->w.mutable_grad() = torch::tensor({-0.3F, 0.2F});  // a new gradient
  first->step(0.01);
  second->step(0.01);
  sst::make_torch_adamw(fresh.groups(), {})->step(0.01);
  EXPECT_TRUE(torch::equal(a.w, b.w));
  EXPECT_TRUE(torch::equal(a.b, b.b));
  EXPECT_FALSE(torch::equal(fresh.w, a.w)) << "the loaded moments made no difference";
}
