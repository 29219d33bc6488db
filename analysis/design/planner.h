// The wave planner of an adaptive IsoFLOP design (docs/sweeps.md, "Adaptive designs"): pure logic, no torch, no
// files. Given the results of the waves so far it chooses the next wave's points, each decision with its
// reason, or stops and says which rule ended the design. The next wave is a function of the results only
// (deterministic), so a design interrupted anywhere continues by planning again from what has finished.
//
// Per FLOP budget C the profile is the mean loss of each trained size over its seeds. A size is *separated*
// from the minimum when its mean is above the minimum's by more than `separation` x their combined standard
// error (the seeds' spread, pooled over every point with two seeds or more, relative to the loss: the noise
// of a run is about proportional to its loss). A budget is *bracketed* when a separated size lies on each
// side of its minimum (so its profile has at least three sizes). The planner then
//   - extends an unbracketed profile on the side where the loss falls (the minimum at the profile's edge),
//     or where no size is separated yet (a size farther out widens the gap), along the size ladder;
//   - adds seeds where the best sizes are not separated and the ladder has no size farther out (or no seed
//     spread has been measured yet);
//   - stops training the sizes that can no longer win a bracketed budget (no more seeds or neighbours);
//   - once no budget can gain a bracket (every one bracketed, or the rest exhausted), adds a seed to each size
//     of every bracket while the bootstrap of a cannot determine it (under 90% of its resamples keep two
//     bracketed budgets);
//   - stops when every budget is bracketed and a determined, when the next wave would pass the compute cap, after
//     max_waves, or when no rule can add a point (the ladder and seeds_max exhausted).
// The allocation exponent a (N_opt ∝ C^a) and its 90% interval come from the project's IsoFLOP fits
// (analysis/fit/approaches.h: isoflop_parabolas, bootstrap_isoflop) over the bracketed budgets only.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/design.h"

namespace sst::analysis::design {

struct LadderSize {
  std::string model;
  double n = 0;                 // non-embedding parameters
  std::vector<double> budgets;  // the budgets this size may train (its [model.NAME] budgets; empty: all)
  bool trains(double budget) const;
};

struct PlannerInput {
  std::vector<LadderSize> ladder;  // by increasing N
  std::vector<double> budgets;     // FLOP budgets, increasing
  std::vector<int64_t> seeds;      // [sweep] seeds, in order
  sweep::Design design;
  bool cooldown_branches = false;  // a smaller budget of a (size, seed) branches from a larger one's snapshot
  double decay_fraction = 0.2;     // a branch trains this share of its budget (its cooldown)
};

struct PointKey {
  std::string model;
  double budget = 0;
  int64_t seed = 0;
};
struct Result {
  PointKey point;
  int wave = 0;  // the wave that trained it
  double loss = 0;
};

struct Decision {
  int wave = 0;
  std::string action;  // start, extend, seed, bracketed, retire, exhausted, stop
  std::string model;   // "" for a budget-wide or design-wide decision
  double budget = 0;   // 0 for a design-wide decision
  std::string reason;
};

struct BudgetState {
  double budget = 0;
  bool bracketed = false;
  std::string minimum;  // the size with the lowest mean loss ("" when none trained)
  size_t sizes = 0;     // sizes trained
  // Bracketed: the sizes from the nearest separated one below the minimum to the nearest above, whose runs
  // the allocation fit uses (a parabola is a good local model of the profile, not a global one).
  std::vector<std::string> bracket;
};

struct Verdict {
  bool identified = false;
  double a = 0, a_low = 0, a_high = 0;  // N_opt ∝ C^a and its 90% bootstrap interval (when identified)
  size_t budgets_used = 0;              // bracketed budgets the fit used
  std::string reason;                   // why not identified, or what was fitted
};

struct Wave {
  int wave = 0;                  // the number of the wave planned (0: the first)
  std::vector<PointKey> points;  // to train next (empty when the design stops)
  std::vector<Decision> decisions;
  std::vector<BudgetState> budgets;  // the profiles after the results so far
  bool stop = false;
  std::string stop_reason;  // bracketed | cap | max_waves | exhausted, then ": " and the detail
  double flops_spent = 0;   // by the results so far
  double wave_flops = 0;    // what the planned points would cost
};

// The next wave after `results` (every wave so far complete).
Wave plan_next(const PlannerInput& in, const std::vector<Result>& results);
// The FLOPs the results cost: a point trains its budget C in full, or only its cooldown (decay_fraction x C)
// when cooldown branches are on and a larger budget of the same size and seed was trained in its wave or
// before (its main run kept a snapshot at every budget of the sweep).
double flops_spent(const PlannerInput& in, const std::vector<Result>& results);
// The profiles of every budget after `results`.
std::vector<BudgetState> budget_states(const PlannerInput& in, const std::vector<Result>& results);
// a from the runs of the bracketed budgets' brackets (isoflop_parabolas) and its 90% interval
// (bootstrap_isoflop with design.bootstrap resamples from design.bootstrap_seed). Identified when at least two
// budgets are bracketed and at least 90% of the resamples determine a.
Verdict allocation_verdict(const PlannerInput& in, const std::vector<Result>& results);

nlohmann::json to_json(const Decision& d);
nlohmann::json to_json(const Verdict& v);

}  // namespace sst::analysis::design
