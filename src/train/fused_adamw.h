// AdamW as a handful of vector operations over one contiguous range of the flat parameter and
// gradient buffers (comm/flat_layout.h): the whole buffer, or with train.shard_optimizer this rank's
// shard of it (ZeRO-1: the moments exist only for that shard, so optimizer state per rank shrinks by
// the world size). The math is torch::optim::AdamW's, operation for operation:
//   p *= 1 - lr * wd                       (decay group only: the ranges its parameters occupy)
//   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// On the CPU the range is processed in blocks of 128K elements, so that the four streams stay in cache
// between the operations (measured ~15% faster than whole-buffer operations on 1.4 M parameters); on
// a GPU as one block (a few kernels, not a few per block).
//
// Checkpoints: the full state in torch::optim::AdamW's format, per parameter (optimizer.h); a sharded
// optimizer gathers it from all ranks first (gather_state) and keeps only its slice on load.
#pragma once
#include <functional>
#include <vector>

#include "comm/flat_layout.h"
#include "train/optimizer.h"

namespace sst {

// The flat buffers a FusedAdamW updates.
struct FlatParameters {
  torch::Tensor params, grads;         // flat, the layout's padded size
  std::vector<torch::Tensor> tensors;  // the model's parameters (views into `params`), model order
  std::vector<comm::Span> slots;       // where each one lives
  comm::Span update;                   // the range this rank updates
  // With sharding: every rank's update range of a flat tensor to every rank (a collective); else empty.
  std::function<void(torch::Tensor&)> gather_shards;
};

class FusedAdamW final : public Optimizer {
 public:
  FusedAdamW(FlatParameters flat, ParamGroups groups, const AdamWSettings& settings);
  std::string name() const override { return flat_.gather_shards ? "fused_adamw_sharded" : "fused_adamw"; }
  void step(double lr) override;
  void gather_state() override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  int64_t state_bytes() const override;

 private:
  FlatParameters flat_;
  ParamGroups groups_;
  AdamWSettings settings_;
  std::vector<comm::Span> decay_;  // decay-group ranges within the update range, relative to its start
  torch::Tensor m_, v_, denom_;    // over the update range
  int64_t step_ = 0;
  torch::Tensor full_m_, full_v_;  // gathered for a checkpoint (sharded), dropped at the next step
};

}  // namespace sst
