#include "model/flops.h"

namespace sst {

double effective_length(const std::vector<int32_t>& lengths) {
  double sum = 0, sum_sq = 0;
  for (int32_t t : lengths) {
    sum += t;
    sum_sq += static_cast<double>(t) * t;
  }
  return sum > 0 ? sum_sq / sum : 0.0;
}

double train_flops_per_token(int64_t non_embedding_params, int64_t layers, int64_t d_model, double t_eff) {
  return 6.0 * static_cast<double>(non_embedding_params) +
         12.0 * static_cast<double>(layers) * static_cast<double>(d_model) * t_eff;
}

}  // namespace sst
