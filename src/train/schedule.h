// Learning-rate schedule: linear warmup to the peak, then cosine decay to peak * min_ratio.
// A pure function of the step, so a resumed run continues the schedule exactly.
#pragma once
#include <cstdint>

namespace sst {

struct LrSchedule {
  double peak;
  double min_ratio;
  int64_t warmup_steps;
  int64_t total_steps;
  // Learning rate for optimizer step `step` (0-based).
  double at(int64_t step) const;
};

}  // namespace sst
