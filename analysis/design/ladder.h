// A sweep file's adaptive design as the planner's input: the size ladder (the models ordered by their
// non-embedding N, computed from their shapes) and the budgets, seeds and cooldown-branch accounting.
#pragma once
#include <cstdint>
#include <string>

#include "analysis/design/planner.h"
#include "sweep/sweep.h"

namespace sst::analysis::design {

// N of sst-train's encoder (src/model/transformer.h) without the token and position embeddings: per layer
// two LayerNorms, qkv without bias plus q and v biases, the output projection and the feed-forward block,
// then the final LayerNorm and the 2-class head.
int64_t non_embedding_params(int64_t d_model, int64_t layers, int64_t ff_dim);

// Throws UserError naming the sweep file when it has no [design], or a model's shape is not given (in its
// section or the base config's [model]).
PlannerInput planner_input(const sweep::SweepSpec& spec);

}  // namespace sst::analysis::design
