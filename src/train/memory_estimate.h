// How much memory a run will need, estimated from the shapes alone before anything is allocated, so a
// config that cannot fit is refused at once with the numbers (instead of swapping for minutes or being
// killed by the kernel later).
#pragma once
#include <string>

#include "train/config.h"

namespace sst {

struct MemoryEstimate {
  double params = 0;            // parameter count
  double state_bytes = 0;       // per rank: weights, gradients, AdamW moments (and the weight average)
  double activation_bytes = 0;  // per rank: what backward keeps for one micro-batch of max_len sequences
  double per_rank() const { return state_bytes + activation_bytes; }
};

// `world_size` ranks share cfg.train.global_batch; cfg.model.vocab_size must be known (from the data).
MemoryEstimate estimate_training_memory(const Config& cfg, int world_size);

// The memory this node has for the run, in bytes: MemAvailable, bounded by the cgroup's limit if any.
double available_memory_bytes();

// Throws UserError, with the estimate in the message, when `ranks_on_node` ranks of this size do not fit
// into train.memory_limit_gb (or, when that is 0, into the memory available now). On a GPU only the
// host copy of the weights is checked (the model is built in host memory, then moved).
void check_memory_fits(const MemoryEstimate& e, const Config& cfg, int ranks_on_node, bool on_gpu);

}  // namespace sst
