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

// On a GPU, per rank (bytes), from the shapes: the flat weights and gradients, the AdamW state (the
// fused optimizer's moments and denominator over this rank's shard, or torch::optim::AdamW's), the
// weight average, autocast's bf16 copies of the weights, the copies of the moments a checkpoint makes,
// and a micro-batch's activations at max_len (bf16 where autocast casts; the attention weights only on
// the explicit path, not with SDPA's fused kernels), plus 10% for the caching allocator's fragmentation.
struct GpuMemoryEstimate {
  double weights = 0, gradients = 0, optimizer_state = 0, average = 0, autocast_weights = 0, checkpoint_copies = 0,
         activations = 0;
  double total() const;
};
GpuMemoryEstimate estimate_gpu_memory(const Config& cfg, int world_size, bool fused_attention);

// Throws UserError, with the estimate's parts, when `ranks_on_gpu` ranks of this size exceed
// train.gpu_memory_gb (or, when that is 0, `free_bytes`, what cudaMemGetInfo reports free on `device`).
void check_gpu_memory_fits(const GpuMemoryEstimate& e, const Config& cfg, int ranks_on_gpu, double free_bytes,
                           const std::string& device);

}  // namespace sst
