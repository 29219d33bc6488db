// Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"), on plain
// vectors so it is unit-tested without LibTorch.
//
// For each layer l: A_l = mean over heads of the attention weights, plus the identity (the residual
// connection carries each token through unchanged), rows renormalized to sum to 1. The rollout is the
// product R = A_L * ... * A_1 (rows are queries): R[i][j] is how much of token j's input reaches
// position i at the top. Row 0 is the [CLS] position, whose output the classifier reads.
#pragma once
#include <cstddef>
#include <vector>

namespace sst::analysis {

// One sentence's attention weights: weights[((l * heads + h) * tokens + q) * tokens + k].
struct AttentionStack {
  int layers = 0, heads = 0, tokens = 0;
  std::vector<double> weights;
  double at(int l, int h, int q, int k) const {
    return weights[((static_cast<size_t>(l) * heads + h) * tokens + q) * tokens + k];
  }
};

// Row-major T x T matrices.
using Matrix = std::vector<double>;

// Mean over heads of layer l.
Matrix head_average(const AttentionStack& a, int layer);
// The rollout matrix R (T x T); throws UserError if the stack is empty or its size is inconsistent.
Matrix attention_rollout(const AttentionStack& a);
// Row 0 of the rollout: the attribution of each input position to [CLS].
std::vector<double> rollout_to_cls(const AttentionStack& a);

}  // namespace sst::analysis
