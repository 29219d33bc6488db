// What a loaded classifier (model_io.h) returns, as plain vectors (no LibTorch): class probabilities and
// one sentence's attention weights. eval/ computes metrics on the first, attention/ the rollout on the second.
#pragma once
#include <array>
#include <cstddef>
#include <vector>

namespace sst::analysis::model {

// {P(negative), P(positive)} of one example (label 0 = negative, 1 = positive).
using Probs = std::array<double, 2>;

// One sentence's attention weights: weights[((l * heads + h) * tokens + q) * tokens + k].
struct AttentionStack {
  int layers = 0, heads = 0, tokens = 0;
  std::vector<double> weights;
  double at(int l, int h, int q, int k) const {
    return weights[((static_cast<size_t>(l) * heads + h) * tokens + q) * tokens + k];
  }
};

}  // namespace sst::analysis::model
