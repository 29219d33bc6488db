// Learning-rate schedules, pure functions of the step (so a resumed run continues them exactly):
//   cosine: linear warmup to the peak, then cosine decay to peak * min_ratio at total_steps.
//   wsd (warmup-stable-decay, Hägele et al. 2024, "Scaling Laws and Compute-Optimal Training Beyond
//        Fixed Training Durations"): linear warmup, the peak until the cooldown, then a cooldown of
//        decay_steps to peak * min_ratio, linear or 1 - sqrt. Up to the cooldown the LR does not depend
//        on the run's length, which is what lets a cooldown branch from a longer run's checkpoint
//        reproduce a run of its own length exactly.
#pragma once
#include <array>
#include <cstdint>
#include <utility>

#include "common/enum_names.h"

namespace sst {

enum class ScheduleKind { kCosine, kWsd };
enum class CooldownShape { kLinear, kOneMinusSqrt };

template <>
struct EnumNames<ScheduleKind> {
  static constexpr std::array<std::pair<ScheduleKind, const char*>, 2> kNames{
      {{ScheduleKind::kCosine, "cosine"}, {ScheduleKind::kWsd, "wsd"}}};
};
template <>
struct EnumNames<CooldownShape> {
  static constexpr std::array<std::pair<CooldownShape, const char*>, 2> kNames{
      {{CooldownShape::kLinear, "linear"}, {CooldownShape::kOneMinusSqrt, "1-sqrt"}}};
};

struct LrSchedule {
  double peak;
  double min_ratio;
  int64_t warmup_steps;
  int64_t total_steps;
  ScheduleKind kind = ScheduleKind::kCosine;
  int64_t decay_steps = 0;  // wsd: the cooldown's length (wsd_decay_steps)
  CooldownShape cooldown = CooldownShape::kOneMinusSqrt;

  // Learning rate for optimizer step `step` (0-based).
  double at(int64_t step) const;
  // wsd: the first step of the cooldown (steps before it run at the peak); cosine: the end of warmup.
  int64_t decay_start() const;
};

// The cooldown of a wsd run of `total_steps`: round(fraction * total), at least 1, and never reaching
// back into the warmup (unless the run is shorter than its warmup).
int64_t wsd_decay_steps(int64_t total_steps, int64_t warmup_steps, double fraction);

}  // namespace sst
