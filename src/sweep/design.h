// The adaptive design of a sweep file ([design] section; docs/sweeps.md): which sizes the first wave trains,
// the seeds policy, the stopping rule and the compute cap that the wave planner (analysis/design/) follows.
// Parsed here, beside the rest of the sweep file; the planner itself lives above src/ because it calls the
// IsoFLOP fits of analysis/fit.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sweep/sweep_keys.h"

namespace sst::sweep {

struct SweepSpec;

struct Design {
  // The sizes of the first wave (model names, any order); default: every model of [models] names. The size
  // ladder is [models] names ordered by N; the planner extends a profile along it.
  std::vector<std::string> start;
  size_t seeds_start = 1;  // seeds of every point the planner adds (the first of [sweep] seeds, in order)
  size_t seeds_max = 0;    // at most this many seeds per point (default: every seed of [sweep] seeds)
  // A size is separated from a budget's minimum when its mean loss is above the minimum's by more than
  // `separation` times their combined standard error.
  double separation = 1;
  std::string stop = "bracketed";  // the stopping rule: every budget's minimum bracketed (the only rule)
  double cap_flops = 0;            // compute cap: FLOPs trained (a cooldown branch counts its cooldown only)
  size_t bootstrap = 200;          // resamples for the allocation exponent's 90% interval
  uint64_t bootstrap_seed = 1;     // their seed (the planner's decisions depend on it: fixed, not random)
  size_t max_waves = 50;           // a second cap: waves planned at most
};

// [design] keys, each already parsed against design_section_keys() (sweep_keys.cpp): validated against the
// rest of `spec` (which must have a FLOP budget grid).
Design parse_design(const Section& keys, const SweepSpec& spec, const SweepErrors& errors);

}  // namespace sst::sweep
