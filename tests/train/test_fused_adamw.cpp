// The fused AdamW over the flat buffers computes torch::optim::AdamW's update (both groups: decay on
// the weight matrices only), shards of it add up to the whole update, and its checkpoint part is
// torch::optim::AdamW's: either optimizer continues from the other's state.
#include <gtest/gtest.h>

#include "comm/flat_layout.h"
#include "model/transformer.h"
#include "train/fused_adamw.h"

namespace {

sst::ModelConfig tiny_model() {
  sst::ModelConfig c;
  c.vocab_size = 40;
  c.d_model = 16;
  c.layers = 2;
  c.heads = 2;
  c.ff_dim = 32;
  c.max_len = 8;
  return c;
}

sst::AdamWSettings settings() {
  sst::AdamWSettings s;
  s.lr = 1e-2;
  s.weight_decay = 0.1;  // large, so that applying it to the wrong group shows
  return s;
}

// A model whose parameters and gradients live in flat buffers, as GradientSynchronizer lays them out,
// with a FusedAdamW over the ranges of shards `first`..`last` of a `world`-way split.
struct FlatModel {
  sst::TransformerClassifier model{nullptr};
  std::vector<torch::Tensor> params;
  std::unique_ptr<sst::comm::FlatLayout> layout;
  torch::Tensor flat_params, flat_grads;
  std::vector<std::unique_ptr<sst::FusedAdamW>> shards;  // one optimizer per shard, as on `world` ranks

  explicit FlatModel(int world) {
    torch::manual_seed(5);
    model = sst::TransformerClassifier(tiny_model());
    params = model->parameters();
    layout = std::make_unique<sst::comm::FlatLayout>(params, 4096, world);
    flat_params = torch::zeros({layout->padded_size()});
    flat_grads = torch::zeros({layout->padded_size()});
    sst::comm::rebind_data(params, sst::comm::slot_views(*layout, flat_params, params));
    sst::comm::rebind_grads(params, sst::comm::slot_views(*layout, flat_grads, params));
    for (int r = 0; r < world; ++r) {
      sst::FlatParameters flat{flat_params, flat_grads, params, {}, layout->shard(r), nullptr};
      for (size_t i = 0; i < layout->num_params(); ++i) flat.slots.push_back(layout->slot(i));
      shards.push_back(std::make_unique<sst::FusedAdamW>(flat, sst::split_for_weight_decay(model), settings()));
    }
  }
  void step(double lr) {
    for (auto& s : shards) s->step(lr);
  }
};

// The same initial weights (seed 5) with torch::optim::AdamW.
struct TorchModel {
  sst::TransformerClassifier model{nullptr};
  std::unique_ptr<sst::Optimizer> adamw;
  TorchModel() {
    torch::manual_seed(5);
    model = sst::TransformerClassifier(tiny_model());
    adamw = sst::make_torch_adamw(sst::split_for_weight_decay(model), settings());
  }
};

// The same random gradient for every parameter of both models.
void set_gradients(std::vector<torch::Tensor> a, std::vector<torch::Tensor> b, int step) {
  torch::manual_seed(100 + step);
  for (size_t i = 0; i < a.size(); ++i) {
    auto g = torch::randn(a[i].sizes());
    if (!a[i].grad().defined()) a[i].mutable_grad() = torch::zeros_like(a[i]);
    a[i].mutable_grad().copy_(g);
    b[i].mutable_grad().copy_(g);
  }
}

double max_abs_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  return worst;
}

double lr_at(int step) { return 1e-2 * (1.0 - 0.005 * step); }  // a schedule: lr changes every step

}  // namespace

TEST(FusedAdamW, MatchesTorchAdamWOver100StepsWithBothGroups) {
  TorchModel ref;
  FlatModel fused(1);
  ASSERT_EQ(max_abs_diff(ref.model->parameters(), fused.params), 0.0);
  for (int step = 0; step < 100; ++step) {
    set_gradients(ref.model->parameters(), fused.params, step);
    ref.adamw->step(lr_at(step));
    fused.step(lr_at(step));
  }
  EXPECT_LE(max_abs_diff(ref.model->parameters(), fused.params), 1e-6);
  // And the parameters moved: the comparison is not between two untouched models.
  TorchModel untouched;
  EXPECT_GT(max_abs_diff(ref.model->parameters(), untouched.model->parameters()), 0.1);
  EXPECT_EQ(fused.shards[0]->state_bytes(), 2 * 4 * fused.layout->padded_size());
}

TEST(FusedAdamW, ShardsTogetherMakeTheWholeUpdate) {
  FlatModel whole(1), split(3);
  for (int step = 0; step < 20; ++step) {
    set_gradients(whole.params, split.params, step);
    whole.step(lr_at(step));
    split.step(lr_at(step));
  }
  EXPECT_LE(max_abs_diff(whole.params, split.params), 1e-7);
  EXPECT_EQ(3 * split.shards[0]->state_bytes(), whole.shards[0]->state_bytes());
}

TEST(FusedAdamW, CheckpointStateInterchangesWithTorchAdamW) {
  // torch -> fused: 3 steps with torch's AdamW, its state saved and loaded into the fused one, then 3
  // more steps each; and fused -> torch the same way.
  for (bool torch_first : {true, false}) {
    TorchModel a;
    FlatModel b(1);
    for (int step = 0; step < 3; ++step) {
      set_gradients(a.model->parameters(), b.params, step);
      a.adamw->step(lr_at(step));
      b.step(lr_at(step));
    }
    torch::serialize::OutputArchive out;
    if (torch_first) {
      a.adamw->save(out);
    } else {
      b.shards[0]->save(out);
    }
    std::stringstream bytes;
    out.save_to(bytes);
    torch::serialize::InputArchive in;
    in.load_from(bytes);
    // The receiving side starts from fresh moments: only the loaded state can make it match.
    if (torch_first) {
      b.shards.clear();
      sst::FlatParameters flat{b.flat_params, b.flat_grads, b.params, {}, b.layout->shard(0), nullptr};
      for (size_t i = 0; i < b.layout->num_params(); ++i) flat.slots.push_back(b.layout->slot(i));
      b.shards.push_back(std::make_unique<sst::FusedAdamW>(flat, sst::split_for_weight_decay(b.model), settings()));
      b.shards[0]->load(in);
    } else {
      a.adamw = sst::make_torch_adamw(sst::split_for_weight_decay(a.model), settings());
      a.adamw->load(in);
    }
    for (int step = 3; step < 6; ++step) {
      set_gradients(a.model->parameters(), b.params, step);
      a.adamw->step(lr_at(step));
      b.step(lr_at(step));
    }
    EXPECT_LE(max_abs_diff(a.model->parameters(), b.params), 1e-6)
        << (torch_first ? "torch -> fused" : "fused -> torch");
  }
}
