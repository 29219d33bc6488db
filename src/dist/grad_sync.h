// What to reduce and when: every parameter's gradient is a view into one flat buffer, so backward
// accumulates straight into it and a step needs a single in-place all-reduce (no packing copies,
// no per-step allocation). The loss is pre-scaled by 1/global_batch, so the sum over ranks is the
// global mean gradient.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "dist/communicator.h"

namespace sst::dist {

class GradientSynchronizer {
 public:
  GradientSynchronizer(std::vector<torch::Tensor> params, Communicator& comm);
  // Zeroes the flat buffer (replaces optimizer.zero_grad(), which may drop the views).
  void zero_grad();
  // After backward on every rank: sum gradients over ranks, in place.
  void allreduce();
  // Global L2 norm of the (already reduced) gradients; identical on every rank.
  double grad_norm() const;
  const torch::Tensor& flat() const { return flat_; }

 private:
  void rebind_views_if_needed();

  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> views_;
  torch::Tensor flat_;
  Communicator& comm_;
};

}  // namespace sst::dist
