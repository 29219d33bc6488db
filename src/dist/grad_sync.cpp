#include "dist/grad_sync.h"

namespace sst::dist {

GradientSynchronizer::GradientSynchronizer(std::vector<torch::Tensor> params, Communicator& comm)
    : params_(std::move(params)), comm_(comm) {
  int64_t total = 0;
  for (const auto& p : params_) total += p.numel();
  flat_ = torch::zeros({total}, params_.at(0).options().requires_grad(false));
  int64_t offset = 0;
  for (auto& p : params_) {
    views_.push_back(flat_.narrow(0, offset, p.numel()).view(p.sizes()));
    p.mutable_grad() = views_.back();
    offset += p.numel();
  }
}

void GradientSynchronizer::rebind_views_if_needed() {
  // Autograd accumulates in place into an existing .grad; if anything replaced a gradient tensor
  // (or left it undefined), copy it back into the buffer and restore the view.
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& g = params_[i].mutable_grad();
    if (!g.defined()) {
      views_[i].zero_();
    } else if (g.data_ptr() != views_[i].data_ptr()) {
      views_[i].copy_(g);
    } else {
      continue;
    }
    g = views_[i];
  }
}

void GradientSynchronizer::zero_grad() {
  flat_.zero_();
  rebind_views_if_needed();
}

void GradientSynchronizer::allreduce() {
  rebind_views_if_needed();
  comm_.allreduce_sum(flat_);
}

double GradientSynchronizer::grad_norm() const { return flat_.norm().item<double>(); }

}  // namespace sst::dist
