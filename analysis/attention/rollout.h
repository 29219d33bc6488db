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

#include "analysis/model/outputs.h"

namespace sst::analysis::attention {

// One sentence's attention weights, as the classifier returns them.
using AttentionStack = model::AttentionStack;

// Row-major T x T matrices.
using Matrix = std::vector<double>;

// The weights of head h of layer l.
Matrix head_weights(const AttentionStack& a, int layer, int head);
// Mean over heads of layer l.
Matrix head_average(const AttentionStack& a, int layer);
// The rollout matrix R (T x T); throws UserError if the stack is empty or its size is inconsistent.
Matrix attention_rollout(const AttentionStack& a);
// Row 0 of the rollout: the attribution of each input position to [CLS].
std::vector<double> rollout_to_cls(const AttentionStack& a);

}  // namespace sst::analysis::attention
