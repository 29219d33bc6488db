#include "comm/flat_layout.h"

#include <algorithm>

namespace sst::comm {

Span Span::intersect(const Span& o) const {
  const int64_t b = std::max(begin, o.begin), e = std::min(end, o.end);
  return b < e ? Span{b, e} : Span{b, b};
}

FlatLayout::FlatLayout(const std::vector<torch::Tensor>& params, int64_t bucket_bytes, int world, int isolated)
    : world_(world) {
  TORCH_CHECK(!params.empty() && world >= 1, "FlatLayout: no parameters or no ranks");
  const int64_t elem_bytes = static_cast<int64_t>(params.front().element_size());
  slots_.resize(params.size());
  bucket_of_.resize(params.size());
  int64_t bucket_begin = 0;
  auto close_bucket = [&] {
    if (size_ > bucket_begin) buckets_.push_back({bucket_begin, size_});
    bucket_begin = size_;
  };
  for (size_t k = 0; k < params.size(); ++k) {
    const size_t i = params.size() - 1 - k;
    if (static_cast<int>(i) == isolated) close_bucket();
    slots_[i] = {size_, size_ + params[i].numel()};
    size_ += params[i].numel();
    bucket_of_[i] = static_cast<int>(buckets_.size());
    if ((size_ - bucket_begin) * elem_bytes >= bucket_bytes || static_cast<int>(i) == isolated) close_bucket();
  }
  close_bucket();
  params_in_bucket_.assign(buckets_.size(), 0);
  for (int b : bucket_of_) ++params_in_bucket_[b];
  padded_size_ = (size_ + world - 1) / world * world;
}

Span FlatLayout::shard(int rank) const {
  const int64_t n = padded_size_ / world_;
  return {rank * n, (rank + 1) * n};
}

std::vector<int64_t> FlatLayout::shard_counts(const Span& s) const {
  std::vector<int64_t> counts(static_cast<size_t>(world_));
  for (int r = 0; r < world_; ++r) counts[r] = s.intersect(shard(r)).size();
  return counts;
}

std::vector<torch::Tensor> slot_views(const FlatLayout& layout, const torch::Tensor& flat,
                                      const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> views;
  for (size_t i = 0; i < params.size(); ++i) {
    const Span s = layout.slot(i);
    views.push_back(flat.narrow(0, s.begin, s.size()).view(params[i].sizes()));
  }
  return views;
}

bool rebind_data(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& views) {
  torch::NoGradGuard no_grad;
  bool rebound = false;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].data_ptr() == views[i].data_ptr()) continue;
    views[i].copy_(params[i]);
    params[i].set_data(views[i]);
    rebound = true;
  }
  return rebound;
}

bool rebind_grads(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& views) {
  // Autograd accumulates in place into an existing .grad; if anything replaced a gradient tensor (or
  // left it undefined), copy it back into the buffer and restore the view.
  bool rebound = false;
  for (size_t i = 0; i < params.size(); ++i) {
    auto& g = params[i].mutable_grad();
    if (!g.defined()) {
      views[i].zero_();
    } else if (g.data_ptr() != views[i].data_ptr()) {
      views[i].copy_(g);
    } else {
      continue;
    }
    g = views[i];
    rebound = true;
  }
  return rebound;
}

}  // namespace sst::comm
