// Turns example ids into a padded batch of tensors: [CLS] + tokens, truncated to max_len, padded
// to the longest example of the batch (dynamic padding).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "dataset/dataset_file.h"

namespace sst::shard {

struct Batch {
  torch::Tensor ids;        // [B, T] int64
  torch::Tensor pad_mask;   // [B, T] bool, true at padding
  torch::Tensor labels;     // [B] int64
  int64_t real_tokens = 0;  // non-pad tokens, [CLS] included
  int64_t truncated = 0;    // examples cut to max_len
  int64_t size() const { return ids.size(0); }
};

// One step's input on this rank: its micro-batches, and (where the trainer asks for them) the token ids
// they look up, unique and sorted: the embedding rows the step's gradient can be non-zero in.
struct StepInput {
  std::vector<Batch> micro;
  torch::Tensor token_rows;         // int64 [K] on the host, or undefined
  torch::Tensor token_rows_device;  // the same on the training device
};

// The unique token ids of `batches` (padding and [CLS] included: they are looked up too).
torch::Tensor unique_tokens(const std::vector<Batch>& batches);

// Pads already-read token lists. Used by training, evaluation and analysis alike.
Batch make_batch(const std::vector<std::vector<int32_t>>& tokens, const std::vector<int64_t>& labels,
                 const dataset::TokenizerInfo& tok, int64_t max_len);

// One split, with its offsets and labels in memory. Tokens are either read into memory once
// (`preload`: SST-2's train split is ~3 MB of ids) or read from the file for every batch (each
// read decompresses the chunks its scattered examples live in: ~10 ms per batch of 32 here).
class SplitReader {
 public:
  SplitReader(const dataset::DatasetFile& file, const std::string& split, bool preload = false);
  int64_t size() const { return static_cast<int64_t>(labels_.size()); }
  const std::vector<int8_t>& labels() const { return labels_; }
  int64_t num_tokens(int64_t id) const { return offsets_[id + 1] - offsets_[id]; }
  // Reads exactly the examples `ids` from the file and pads them.
  Batch batch(const std::vector<int64_t>& ids, int64_t max_len) const;

 private:
  const dataset::DatasetFile& file_;
  std::string split_;
  std::vector<int64_t> offsets_;
  std::vector<int8_t> labels_;
  std::vector<int32_t> tokens_;  // the whole split when preloaded, else empty
  bool preloaded_ = false;
};

}  // namespace sst::shard
