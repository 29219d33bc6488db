// [design]: the adaptive design's keys (design.h), each checked with a one-line error naming it.
#include "sweep/design.h"

#include <cmath>
#include <set>

#include "common/text.h"
#include "sweep/sweep.h"

namespace sst::sweep {
namespace {

bool whole_number(const std::string& s, size_t& v) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) return false;
  v = static_cast<size_t>(std::stoul(s));
  return true;
}

bool positive_number(const std::string& s, double& v) {
  try {
    size_t pos = 0;
    v = std::stod(s, &pos);
    return pos == s.size() && std::isfinite(v) && v > 0;
  } catch (...) {
    return false;
  }
}

}  // namespace

Design parse_design(const std::map<std::string, std::string>& keys, const SweepSpec& spec,
                    const std::function<void(const std::string&)>& fail) {
  static const std::set<std::string> known{"start", "seeds_start", "seeds_max", "separation",
                                           "stop",  "cap_flops",   "bootstrap", "max_waves"};
  for (const auto& [k, v] : keys)
    if (!known.count(k))
      fail("unknown key 'design." + k +
           "' (known in [design]: start, seeds_start, seeds_max, separation, stop, cap_flops, bootstrap, max_waves)");
  if (spec.budget.kind != BudgetKind::kFlops)
    fail("[design] needs a FLOP budget grid ([budget] flops = C1, C2, ...): the planner designs IsoFLOP profiles");
  if (spec.fractions_given && spec.fractions.size() > 1)
    fail("[design] plans IsoFLOP profiles over all the data: give no [sweep] fractions (or one)");
  Design d;
  auto get = [&](const char* k) -> const std::string* {
    const auto it = keys.find(k);
    return it == keys.end() ? nullptr : &it->second;
  };
  auto count_key = [&](const char* k, size_t min, size_t max, size_t& out) {
    if (const auto* v = get(k))
      if (!whole_number(*v, out) || out < min || out > max)
        fail("design." + std::string(k) + " = '" + *v + "' must be an integer in [" + std::to_string(min) + ", " +
             std::to_string(max) + "]");
  };
  if (const auto* v = get("start")) {
    for (const auto& name : text::split_list(*v)) {
      bool known_model = false;
      for (const auto& m : spec.models) known_model = known_model || m.name == name;
      if (!known_model) fail("design.start: '" + name + "' is not in models.names");
      for (const auto& s : d.start)
        if (s == name) fail("design.start: '" + name + "' is listed twice");
      d.start.push_back(name);
    }
    if (d.start.empty()) fail("design.start is empty (leave it out to start from every model)");
  } else {
    for (const auto& m : spec.models) d.start.push_back(m.name);
  }
  const size_t n_seeds = spec.seeds.size();
  d.seeds_max = n_seeds;
  count_key("seeds_start", 1, n_seeds, d.seeds_start);
  count_key("seeds_max", 1, n_seeds, d.seeds_max);
  if (d.seeds_start > d.seeds_max)
    fail("design.seeds_start = " + std::to_string(d.seeds_start) +
         " is above design.seeds_max = " + std::to_string(d.seeds_max));
  if (const auto* v = get("separation"))
    if (!positive_number(*v, d.separation)) fail("design.separation = '" + *v + "' must be a number > 0");
  if (const auto* v = get("stop")) {
    if (*v != "bracketed") fail("design.stop = '" + *v + "': the stopping rule is 'bracketed'");
    d.stop = *v;
  }
  const auto* cap = get("cap_flops");
  if (!cap) fail("design.cap_flops is required (the compute cap, in FLOPs trained)");
  if (!positive_number(*cap, d.cap_flops)) fail("design.cap_flops = '" + *cap + "' must be a number > 0");
  count_key("bootstrap", 20, 100000, d.bootstrap);
  count_key("max_waves", 1, 1000, d.max_waves);
  return d;
}

}  // namespace sst::sweep
