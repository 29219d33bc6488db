// The optimizer: AdamW (decoupled weight decay, bias correction) over the model's two groups, weight
// matrices with decay and everything else without. Two implementations behind one interface:
//   - FusedAdamW (train/fused_adamw.h, the default): a handful of vector operations over the flat
//     parameter and gradient buffers, or over this rank's shard of them (train.shard_optimizer);
//   - torch::optim::AdamW, one small loop of operations per parameter (train.fused_adamw = false).
// Both save and load the same checkpoint part: torch::optim::AdamW's format with the full, unsharded
// state, so a checkpoint resumes under either, sharded or not, on any world size.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

#include "model/transformer.h"

namespace sst {

struct AdamWSettings {
  double lr = 1e-3;
  double weight_decay = 0.0;  // on the decay group only
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // One update with learning rate `lr` from the (reduced, clipped) gradients.
  virtual void step(double lr) = 0;
  // On every rank together, before one rank saves: a sharded optimizer gathers its full state.
  virtual void gather_state() {}
  // The full state, as torch::optim::AdamW writes it (a checkpoint's "optimizer" part).
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  // The full state from such a part (a sharded optimizer keeps its slice).
  virtual void load(torch::serialize::InputArchive& archive) = 0;
  // Bytes of optimizer state (the two moments) this rank holds.
  virtual int64_t state_bytes() const = 0;
};

// torch::optim::AdamW over `groups` (the reference the fused one is tested against).
std::unique_ptr<Optimizer> make_torch_adamw(const ParamGroups& groups, const AdamWSettings& settings);

// An optimizer in torch::optim::AdamW's own types over `groups`, with the two options objects set from
// `settings`; what the fused optimizer (de)serializes its state through.
torch::optim::AdamW torch_adamw(const ParamGroups& groups, const AdamWSettings& settings);

}  // namespace sst
