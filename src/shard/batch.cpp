#include "shard/batch.h"

#include <algorithm>

#include "common/error.h"

namespace sst::shard {

Batch make_batch(const std::vector<std::vector<int32_t>>& tokens, const std::vector<int64_t>& labels,
                 const dataset::TokenizerInfo& tok, int64_t max_len) {
  const int64_t B = static_cast<int64_t>(tokens.size());
  int64_t T = 1;
  for (const auto& t : tokens) T = std::max<int64_t>(T, std::min<int64_t>(max_len, 1 + static_cast<int64_t>(t.size())));
  Batch b;
  b.ids = torch::full({B, T}, static_cast<int64_t>(tok.pad_id), torch::kLong);
  b.pad_mask = torch::ones({B, T}, torch::kBool);
  b.labels = torch::empty({B}, torch::kLong);
  auto ids = b.ids.accessor<int64_t, 2>();
  auto mask = b.pad_mask.accessor<bool, 2>();
  auto lab = b.labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < B; ++i) {
    const auto& t = tokens[i];
    int64_t n = std::min<int64_t>(static_cast<int64_t>(t.size()), max_len - 1);
    if (n < static_cast<int64_t>(t.size())) ++b.truncated;
    ids[i][0] = tok.cls_id;
    mask[i][0] = false;
    for (int64_t j = 0; j < n; ++j) {
      ids[i][j + 1] = t[j];
      mask[i][j + 1] = false;
    }
    b.real_tokens += n + 1;
    lab[i] = labels[i];
  }
  return b;
}

SplitReader::SplitReader(const dataset::DatasetFile& file, const std::string& split, bool preload)
    : file_(file), split_(split), offsets_(file.read_offsets(split)), labels_(file.read_labels(split)) {
  if (offsets_.size() != labels_.size() + 1)
    throw UserError(file.path() + ": split '" + split + "' has " + std::to_string(labels_.size()) + " labels but " +
                    std::to_string(offsets_.size()) + " offsets");
  if (preload) {
    tokens_ = file.read_tokens(split);
    if (offsets_.back() != static_cast<int64_t>(tokens_.size()))
      throw UserError(file.path() + ": split '" + split + "' has " + std::to_string(tokens_.size()) +
                      " tokens but its offsets end at " + std::to_string(offsets_.back()));
    preloaded_ = true;
  }
}

Batch SplitReader::batch(const std::vector<int64_t>& ids, int64_t max_len) const {
  std::vector<std::vector<int32_t>> tokens;
  if (preloaded_) {
    tokens.reserve(ids.size());
    for (int64_t id : ids) {
      if (id < 0 || id >= size()) throw UserError("example " + std::to_string(id) + " out of range in split " + split_);
      tokens.emplace_back(tokens_.begin() + offsets_[id], tokens_.begin() + offsets_[id + 1]);
    }
  } else {
    tokens = file_.read_examples(split_, offsets_, ids);
  }
  std::vector<int64_t> labels(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) labels[i] = labels_[ids[i]];
  return make_batch(tokens, labels, file_.tokenizer(), max_len);
}

torch::Tensor unique_tokens(const std::vector<Batch>& batches) {
  std::vector<torch::Tensor> ids;
  for (const auto& b : batches) ids.push_back(b.ids.reshape({-1}));
  return std::get<0>(torch::_unique(torch::cat(ids), /*sorted=*/true));
}

}  // namespace sst::shard
