#include "analysis/attention/rollout.h"

#include <string>

#include "common/error.h"

namespace sst::analysis::attention {

Matrix head_weights(const AttentionStack& a, int layer, int head) {
  const int T = a.tokens;
  Matrix m(static_cast<size_t>(T) * T);
  for (int q = 0; q < T; ++q)
    for (int k = 0; k < T; ++k) m[q * T + k] = a.at(layer, head, q, k);
  return m;
}

Matrix head_average(const AttentionStack& a, int layer) {
  const int T = a.tokens;
  Matrix m(static_cast<size_t>(T) * T, 0.0);
  for (int h = 0; h < a.heads; ++h)
    for (int q = 0; q < T; ++q)
      for (int k = 0; k < T; ++k) m[q * T + k] += a.at(layer, h, q, k) / a.heads;
  return m;
}

Matrix attention_rollout(const AttentionStack& a) {
  const size_t T = static_cast<size_t>(a.tokens);
  if (a.layers < 1 || a.heads < 1 || a.tokens < 1) throw UserError("attention rollout: empty attention stack");
  if (a.weights.size() != static_cast<size_t>(a.layers) * a.heads * T * T)
    throw UserError("attention rollout: expected " + std::to_string(static_cast<size_t>(a.layers) * a.heads * T * T) +
                    " weights, got " + std::to_string(a.weights.size()));
  Matrix r;  // the product so far; starts as layer 1's matrix
  for (int l = 0; l < a.layers; ++l) {
    Matrix m = head_average(a, l);
    for (size_t q = 0; q < T; ++q) {
      m[q * T + q] += 1.0;
      double sum = 0;
      for (size_t k = 0; k < T; ++k) sum += m[q * T + k];
      for (size_t k = 0; k < T; ++k) m[q * T + k] /= sum;  // sum >= 1: the identity was added
    }
    if (l == 0) {
      r = m;
      continue;
    }
    Matrix next(T * T, 0.0);  // next = m * r: the later layer multiplies from the left
    for (size_t i = 0; i < T; ++i)
      for (size_t j = 0; j < T; ++j) {
        const double mij = m[i * T + j];
        for (size_t k = 0; k < T; ++k) next[i * T + k] += mij * r[j * T + k];
      }
    r.swap(next);
  }
  return r;
}

std::vector<double> rollout_to_cls(const AttentionStack& a) {
  const Matrix r = attention_rollout(a);
  return std::vector<double>(r.begin(), r.begin() + a.tokens);
}

}  // namespace sst::analysis::attention
