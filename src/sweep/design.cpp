// [design]: the adaptive design's keys (design.h), each checked with a one-line error naming it.
#include "sweep/design.h"

#include <utility>

#include "common/text.h"
#include "sweep/sweep.h"

namespace sst::sweep {

Design parse_design(const Section& keys, const SweepSpec& spec, const SweepErrors& errors) {
  const Value& first = keys.begin()->second;  // the section's place, for the errors of the section as a whole
  if (spec.budget.kind != BudgetKind::kFlops)
    errors.fail(
        first,
        "[design] needs a FLOP budget grid ([budget] flops = C1, C2, ...): the planner designs IsoFLOP profiles");
  if (spec.fractions_given && spec.fractions.size() > 1)
    errors.fail(first, "[design] plans IsoFLOP profiles over all the data: give no [sweep] fractions (or one)");
  Design d;
  auto get = [&](const char* k) -> const Value* {
    const auto it = keys.find(k);
    return it == keys.end() ? nullptr : &it->second;
  };
  if (const auto* v = get("start")) {
    for (const auto& name : text::split_list(v->text)) {
      bool known_model = false;
      for (const auto& m : spec.models) known_model = known_model || m.name == name;
      if (!known_model) errors.fail(*v, "design.start: '" + name + "' is not in models.names");
      for (const auto& s : d.start)
        if (s == name) errors.fail(*v, "design.start: '" + name + "' is listed twice");
      d.start.push_back(name);
    }
    if (d.start.empty()) errors.fail(*v, "design.start is empty (leave it out to start from every model)");
  } else {
    for (const auto& m : spec.models) d.start.push_back(m.name);
  }
  // The seed counts are within [1, the seeds of [sweep] seeds].
  const size_t n_seeds = spec.seeds.size();
  d.seeds_max = n_seeds;
  for (auto [k, out] : {std::pair{"seeds_start", &d.seeds_start}, std::pair{"seeds_max", &d.seeds_max}})
    if (const auto* v = get(k)) {
      if (v->integers.front() > static_cast<int64_t>(n_seeds))
        errors.fail(*v, "design." + std::string(k) + " = '" + v->text + "' must be an integer in [1, " +
                            std::to_string(n_seeds) + "] (the seeds of [sweep] seeds)");
      *out = static_cast<size_t>(v->integers.front());
    }
  if (d.seeds_start > d.seeds_max)
    errors.fail(*get("seeds_start"), "design.seeds_start = " + std::to_string(d.seeds_start) +
                                         " is above design.seeds_max = " + std::to_string(d.seeds_max));
  if (const auto* v = get("separation")) d.separation = v->numbers.front();
  if (const auto* v = get("stop")) {
    if (v->text != "bracketed") errors.fail(*v, "design.stop = '" + v->text + "': the stopping rule is 'bracketed'");
    d.stop = v->text;
  }
  const auto* cap = get("cap_flops");
  if (!cap) errors.fail(first, "design.cap_flops is required (the compute cap, in FLOPs trained)");
  d.cap_flops = cap->numbers.front();
  if (const auto* v = get("bootstrap")) d.bootstrap = static_cast<size_t>(v->integers.front());
  if (const auto* v = get("max_waves")) d.max_waves = static_cast<size_t>(v->integers.front());
  return d;
}

}  // namespace sst::sweep
