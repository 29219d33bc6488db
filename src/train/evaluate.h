// Inference over a split: class probabilities per example, and the dev loss/accuracy the trainer
// reports (each rank scores its strided share; the trainer sums the shares over ranks).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/transformer.h"
#include "shard/batch.h"

namespace sst {

// P(class) [ids.size(), 2] (float32, CPU) for examples `ids` of the split; model in eval mode.
torch::Tensor predict_probabilities(TransformerClassifier& model, const shard::SplitReader& split,
                                    const std::vector<int64_t>& ids, const torch::Device& device,
                                    int64_t batch_size = 128);

struct EvalSums {
  double loss_sum = 0;  // sum of -log p(label)
  double correct = 0;
  double count = 0;
};

// This rank's share of the split: examples rank, rank + world, ...
EvalSums evaluate_share(TransformerClassifier& model, const shard::SplitReader& split, int rank, int world,
                        const torch::Device& device);

}  // namespace sst
