// What the checkpoint tests share: the tiny model config (also test_checkpoint_resume.cpp's and
// test_weight_average.cpp's); for test_checkpoint.cpp and test_checkpoint_store.cpp (one executable, so one
// fixture class for their TEST_F suite) a model, an optimizer that has taken a step, and a checkpoint's
// metadata at a given step.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "train/checkpoint.h"
#include "train/optimizer.h"

namespace sst::checkpoint_test {

// The tiny encoder the checkpoint tests train (no dropout: forward passes are deterministic).
inline sst::ModelConfig tiny_config() {
  sst::ModelConfig cfg;
  cfg.vocab_size = 30;
  cfg.d_model = 16;
  cfg.layers = 1;
  cfg.heads = 2;
  cfg.ff_dim = 32;
  cfg.max_len = 8;
  cfg.dropout = 0.0;
  return cfg;
}

inline sst::CheckpointMeta meta_for(const sst::ModelConfig& m, int64_t step) {
  sst::CheckpointMeta meta;
  meta.model = m;
  meta.state.step = step;
  meta.state.best_dev_loss = 0.5;
  meta.state.tokens_processed = 1234;
  meta.config_ini = "[model]\nd_model = 16\n";
  meta.tokenizer.model_proto = std::string("\x01\x02\x00proto", 8);
  meta.tokenizer.vocab_size = 30;
  meta.tokenizer.type = "unigram";
  meta.seed = 7;
  return meta;
}

struct Fixture : ::testing::Test {
  sst::ModelConfig cfg = tiny_config();
  // A model and an optimizer that has taken one step (so it has moments to save).
  std::pair<sst::TransformerClassifier, std::unique_ptr<sst::Optimizer>> trained(uint64_t seed) {
    torch::manual_seed(seed);
    sst::TransformerClassifier m(cfg);
    sst::AdamWSettings settings;
    settings.lr = 1e-2;
    settings.weight_decay = 1e-2;
    auto opt = sst::make_torch_adamw({m->parameters(), {}}, settings);
    auto ids = torch::randint(4, 30, {3, 6}, torch::kLong);
    auto loss = m->forward(ids, torch::zeros({3, 6}, torch::kBool)).sum();
    loss.backward();
    opt->step(1e-2);
    return {m, std::move(opt)};
  }
};

}  // namespace sst::checkpoint_test
