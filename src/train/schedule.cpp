#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace sst {

int64_t wsd_decay_steps(int64_t total_steps, int64_t warmup_steps, double fraction) {
  const int64_t wanted = std::max<int64_t>(1, std::llround(fraction * static_cast<double>(total_steps)));
  return std::max<int64_t>(1, std::min(wanted, total_steps - warmup_steps));
}

int64_t LrSchedule::decay_start() const {
  if (kind == ScheduleKind::kCosine) return warmup_steps;
  return std::max<int64_t>(0, total_steps - decay_steps);
}

double LrSchedule::at(int64_t step) const {
  if (step < warmup_steps) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const double floor = peak * min_ratio;
  if (kind == ScheduleKind::kWsd) {
    const int64_t start = decay_start();
    if (step < start) return peak;
    // The cooldown's k-th step (k = 1 .. decay_steps) has progress k / decay_steps: its last step is at
    // the floor, its first already below the peak.
    const double progress =
        std::min(1.0, static_cast<double>(step - start + 1) / static_cast<double>(std::max<int64_t>(1, decay_steps)));
    const double left = cooldown == CooldownShape::kLinear ? 1.0 - progress : 1.0 - std::sqrt(progress);
    return floor + (peak - floor) * left;
  }
  const int64_t decay = std::max<int64_t>(1, total_steps - warmup_steps);
  const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay));
  return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace sst
