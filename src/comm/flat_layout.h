// Where every parameter lives in the flat buffers (one for the gradients, one for the parameters
// themselves), how the buffers are cut into reduction buckets, and which contiguous shard each rank
// owns (ZeRO-1: the rank that updates it).
//
//   [ last parameter | ... | first parameter | padding ]   reverse parameter order: backward
//   [ bucket 0 ][ bucket 1 ] ... [ bucket B-1 ]           produces the last layers' gradients first
//   [ shard 0 ][ shard 1 ] ... [ shard W-1 ]               W equal shards of padded_size() / W
//
// The padding (fewer than W elements, always zero) makes every shard the same length, which NCCL's
// reduce-scatter and all-gather need. A parameter may be given a bucket of its own (the token
// embedding, whose gradient can travel as touched rows). Buckets and shards are independent cuts:
// each bucket is reduce-scattered with its overlap with every shard as that rank's part.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace sst::comm {

struct Span {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
  Span intersect(const Span& o) const;  // empty (size 0) when disjoint
};

class FlatLayout {
 public:
  // `params` in model order; buckets of about `bucket_bytes`; `world` shards; `isolated`: the index of a
  // parameter that gets a bucket of its own, or -1.
  FlatLayout(const std::vector<torch::Tensor>& params, int64_t bucket_bytes, int world, int isolated = -1);

  size_t num_params() const { return slots_.size(); }
  Span slot(size_t param) const { return slots_[param]; }
  int64_t size() const { return size_; }                // elements of all parameters
  int64_t padded_size() const { return padded_size_; }  // a multiple of world()
  int world() const { return world_; }

  int num_buckets() const { return static_cast<int>(buckets_.size()); }
  Span bucket(int b) const { return buckets_[b]; }
  int bucket_of(size_t param) const { return bucket_of_[param]; }
  int params_in_bucket(int b) const { return params_in_bucket_[b]; }

  Span shard(int rank) const;
  // Elements of `s` in each rank's shard, in rank order (sums to s.size()).
  std::vector<int64_t> shard_counts(const Span& s) const;

 private:
  std::vector<Span> slots_, buckets_;
  std::vector<int> bucket_of_, params_in_bucket_;
  int64_t size_ = 0, padded_size_ = 0;
  int world_ = 1;
};

// Views of `flat` at each parameter's slot, shaped like the parameter.
std::vector<torch::Tensor> slot_views(const FlatLayout& layout, const torch::Tensor& flat,
                                      const std::vector<torch::Tensor>& params);
// Makes every parameter's data (rebind_data) or gradient (rebind_grads) its view, copying the current
// values in (an undefined gradient becomes zeros), unless it already is. Returns whether any had to be
// rebound: something replaced the tensor (a checkpoint load sets parameters to the loaded storage).
bool rebind_data(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& views);
bool rebind_grads(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& views);

}  // namespace sst::comm
