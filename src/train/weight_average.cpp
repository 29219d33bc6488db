#include "train/weight_average.h"

namespace sst {

TransformerClassifier make_average(TransformerClassifier& model) {
  TransformerClassifier average(model->config());
  average->to(model->parameters().front().device());
  average->eval();
  update_average(average, model, 0.0);
  return average;
}

void update_average(TransformerClassifier& average, TransformerClassifier& model, double decay) {
  torch::NoGradGuard no_grad;
  auto avg = average->parameters();
  auto cur = model->parameters();
  for (size_t i = 0; i < avg.size(); ++i) {
    if (decay == 0.0)
      avg[i].copy_(cur[i]);
    else
      avg[i].lerp_(cur[i], 1.0 - decay);  // avg + (1 - decay) * (cur - avg)
  }
}

}  // namespace sst
