// The steady clock every timing in the project reads (step times, wall time, fit and prep seconds),
// and the seconds elapsed on it since a point.
#pragma once
#include <chrono>

namespace sst {

using SteadyClock = std::chrono::steady_clock;

inline double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

}  // namespace sst
