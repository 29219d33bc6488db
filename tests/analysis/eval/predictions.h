// Eight hand-made predictions shared by the metrics and evaluation tests: predictions 1,1,0,0,1,1,1,0
// against labels 1,1,1,0,0,0,1,0.
#pragma once
#include <vector>

#include "analysis/eval/metrics.h"

namespace sst::analysis::eval::testing {

inline const std::vector<int> kLabels{1, 1, 1, 0, 0, 0, 1, 0};
inline std::vector<Probs> fixture_probs() {
  std::vector<Probs> p;
  for (double p1 : {0.9, 0.6, 0.3, 0.2, 0.7, 0.55, 0.8, 0.1}) p.push_back({1 - p1, p1});
  return p;
}

}  // namespace sst::analysis::eval::testing
