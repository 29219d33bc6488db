// The planner's input from a sweep file (ladder.h).
#include "analysis/design/ladder.h"

#include <algorithm>

#include "common/error.h"
#include "common/text.h"

namespace sst::analysis::design {

int64_t non_embedding_params(int64_t d, int64_t layers, int64_t ff) {
  const int64_t layer = 2 * 2 * d             // ln1, ln2
                        + 3 * d * d + 2 * d   // qkv (no bias), q_bias, v_bias
                        + d * d + d           // proj
                        + d * ff + ff         // ff1
                        + ff * d + d;         // ff2
  return layers * layer + 2 * d + 2 * d + 2;  // final LayerNorm, head (d -> 2)
}

PlannerInput planner_input(const sweep::SweepSpec& spec) {
  const std::string where = "sweep file " + spec.file + ": ";
  if (!spec.design) throw UserError(where + "no [design] section (an adaptive design: docs/sweeps.md)");
  const auto base = text::read_ini_file(spec.base_config);
  // A key of a model section, else of [overrides], else of the base config ("" when none has it).
  auto value = [&](const sweep::ModelSize* m, const std::string& key) {
    std::string v;
    if (m)
      for (const auto& [k, val] : m->overrides)
        if (k == key) v = val;
    if (v.empty())
      for (const auto& [k, val] : spec.overrides)
        if (k == key) v = val;
    return v.empty() ? text::ini_value(base, key) : v;
  };
  PlannerInput in;
  for (const auto& m : spec.models) {
    int64_t shape[3];
    const char* keys[3] = {"model.d_model", "model.layers", "model.ff_dim"};
    for (int k = 0; k < 3; ++k) {
      const std::string v = value(&m, keys[k]);
      try {
        size_t pos = 0;
        shape[k] = std::stoll(v, &pos);
        if (pos != v.size() || shape[k] < 1) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw UserError(where + "model " + m.name + ": " + keys[k] + " = '" + v +
                        "' (from its section, [overrides] or the base config) must be a positive integer: the "
                        "planner needs every size's shape");
      }
    }
    in.ladder.push_back({m.name, static_cast<double>(non_embedding_params(shape[0], shape[1], shape[2])), m.budgets});
  }
  std::stable_sort(in.ladder.begin(), in.ladder.end(), [](const auto& a, const auto& b) { return a.n < b.n; });
  in.budgets = spec.budget.values;
  std::sort(in.budgets.begin(), in.budgets.end());
  in.seeds = spec.seeds;
  in.design = *spec.design;
  in.cooldown_branches = spec.budget.cooldown_branches;
  const std::string decay = value(nullptr, "train.decay_fraction");
  if (!decay.empty()) {
    try {
      in.decay_fraction = std::stod(decay);
    } catch (const std::exception&) {
      throw UserError(where + "train.decay_fraction = '" + decay + "' is not a number");
    }
  }  // else sst-train's default, 0.2 (docs/sweeps.md: a branch trains the last 20% of its steps)
  return in;
}

}  // namespace sst::analysis::design
