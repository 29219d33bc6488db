// What a loaded classifier (model_io.h) returns, as plain vectors (no LibTorch): class probabilities and
// one sentence's attention weights. eval/ computes metrics on the first, attention/ the rollout on the second.
#pragma once
#include <cstddef>
#include <vector>

namespace sst::analysis::model {

// P(class k) of one example, k = 0 .. K-1 (SST-2: {P(negative), P(positive)}).
using Probs = std::vector<double>;

// One sentence's attention weights: weights[((l * heads + h) * tokens + q) * tokens + k].
struct AttentionStack {
  int layers = 0, heads = 0, tokens = 0;
  std::vector<double> weights;
  double at(int l, int h, int q, int k) const {
    return weights[((static_cast<size_t>(l) * heads + h) * tokens + q) * tokens + k];
  }
};

}  // namespace sst::analysis::model
