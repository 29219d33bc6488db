#include "train/evaluate.h"

#include <algorithm>

namespace sst {

torch::Tensor predict_probabilities(TransformerClassifier& model, const shard::SplitReader& split,
                                    const std::vector<int64_t>& ids, const torch::Device& device, int64_t batch_size) {
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const int64_t max_len = model->config().max_len;
  for (size_t begin = 0; begin < ids.size(); begin += batch_size) {
    std::vector<int64_t> chunk(ids.begin() + begin, ids.begin() + std::min(ids.size(), begin + batch_size));
    auto b = split.batch(chunk, max_len);
    auto logits = model->forward(b.ids.to(device), b.pad_mask.to(device));
    parts.push_back(torch::softmax(logits.to(torch::kFloat), -1).cpu());
  }
  model->train(was_training);
  return parts.empty() ? torch::empty({0, model->config().num_classes}) : torch::cat(parts);
}

EvalSums evaluate_share(TransformerClassifier& model, const shard::SplitReader& split, int rank, int world,
                        const torch::Device& device) {
  std::vector<int64_t> ids;
  for (int64_t i = rank; i < split.size(); i += world) ids.push_back(i);
  EvalSums s;
  if (ids.empty()) return s;
  auto probs = predict_probabilities(model, split, ids, device);
  auto labels = torch::empty({static_cast<int64_t>(ids.size())}, torch::kLong);
  auto lab = labels.accessor<int64_t, 1>();
  for (size_t i = 0; i < ids.size(); ++i) lab[i] = split.labels()[ids[i]];
  auto p_label = probs.gather(1, labels.unsqueeze(1)).squeeze(1).clamp_min(1e-12);
  s.loss_sum = -p_label.log().sum().item<double>();
  s.correct = (probs.argmax(1) == labels).sum().item<double>();
  s.count = static_cast<double>(ids.size());
  return s;
}

}  // namespace sst
