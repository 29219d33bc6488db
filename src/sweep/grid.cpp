// A parsed sweep file expanded into its grid points (one sst-train run each) and the manifest that
// records them: models x fractions [x budgets] x seeds, and with cooldown branches which point each
// smaller budget branches from.
#include <algorithm>
#include <filesystem>

#include "sweep/sweep.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::sweep {
namespace {

// Sets `k` in `kv` (replacing an earlier value): each key appears once (sst-train rejects repeats).
void set(KeyValues& kv, const std::string& k, const std::string& v) {
  for (auto& [key, val] : kv)
    if (key == k) {
      val = v;
      return;
    }
  kv.emplace_back(k, v);
}

// Budget first, then [overrides]: later ones win; the model's section is applied per model.
KeyValues common_keys(const SweepSpec& spec) {
  KeyValues common;
  const Budget& b = spec.budget;
  set(common, "train.max_steps", b.max_steps ? std::to_string(*b.max_steps) : "0");
  if (b.epochs) set(common, "train.epochs", format_number(*b.epochs));
  if (b.eval_every) set(common, "train.eval_every", std::to_string(*b.eval_every));
  if (b.patience) set(common, "train.patience", std::to_string(*b.patience));
  if (b.checkpoint_every) set(common, "train.checkpoint_every", std::to_string(*b.checkpoint_every));
  if (b.cooldown_branches) set(common, "train.schedule", "wsd");
  for (const auto& [k, v] : spec.overrides) set(common, k, v);
  return common;
}

std::string budget_key(BudgetKind k) { return k == BudgetKind::kFlops ? "train.max_flops" : "train.max_tokens"; }

std::string run_name(const SweepSpec& spec, const std::string& model, double fraction, double budget, int64_t seed) {
  std::string name = model;
  if (spec.fractions_given) name += "_f" + format_number(fraction);
  if (budget > 0) name += (spec.budget.kind == BudgetKind::kFlops ? "_c" : "_t") + compact_number(budget);
  return name + "_s" + std::to_string(seed);
}

}  // namespace

std::string default_sweep_dir(const SweepSpec& spec) { return "runs/sweeps/" + spec.name; }

std::vector<Point> expand(const SweepSpec& spec, const std::string& sweep_dir) {
  const std::string abs_dir = fs::absolute(sweep_dir).lexically_normal().string();
  const KeyValues common = common_keys(spec);
  const BudgetKind kind = spec.budget.kind;
  std::vector<Point> points;
  for (const auto& m : spec.models) {
    KeyValues keys = common;
    for (const auto& [k, v] : m.overrides) set(keys, k, v);
    // No budget grid: one entry 0 (the run length comes from max_steps / epochs).
    std::vector<double> budgets = !m.budgets.empty() ? m.budgets : spec.budget.values;
    if (budgets.empty()) budgets = {0};
    const double largest = *std::max_element(budgets.begin(), budgets.end());
    const bool branches = spec.budget.cooldown_branches && budgets.size() > 1;
    std::string smaller;  // the main run's snapshot budgets
    for (double b : budgets)
      if (b != largest) smaller += (smaller.empty() ? "" : ",") + format_number(b);
    for (size_t fi = 0; fi < spec.fractions.size(); ++fi)
      for (double budget : budgets)
        for (int64_t seed : spec.seeds) {
          const double f = spec.fractions[fi];
          Point p;
          p.index = points.size();
          p.model = m.name;
          p.fraction = f;
          p.seed = seed;
          p.ranks = spec.ranks;
          p.budget = budget;
          p.run = run_name(spec, m.name, f, budget, seed);
          p.run_dir = "runs/" + p.run;
          p.args = {"--config", spec.base_config};
          if (!spec.data.empty()) p.args.insert(p.args.end(), {"--data", spec.data});
          p.args.insert(p.args.end(),
                        {"--out-dir", abs_dir + "/" + p.run_dir, "--resume", "auto", "--output.run_name=" + p.run,
                         "--data.fraction=" + format_number(f), "--train.seed=" + std::to_string(seed)});
          KeyValues point_keys = keys;
          if (spec.budget.epochs) {  // [budget] epochs (one, or one per fraction), times the size's scale
            const double e =
                spec.budget.epochs_per_fraction.empty() ? *spec.budget.epochs : spec.budget.epochs_per_fraction[fi];
            if (!spec.budget.epochs_per_fraction.empty() || m.epochs_scale != 1)
              set(point_keys, "train.epochs", format_number(e * m.epochs_scale));
          }
          if (!spec.budget.eval_every_per_fraction.empty())
            set(point_keys, "train.eval_every", std::to_string(spec.budget.eval_every_per_fraction[fi]));
          if (budget > 0) set(point_keys, budget_key(kind), format_number(budget));
          if (branches && budget == largest) set(point_keys, "train.snapshot_budgets", smaller);
          if (branches && budget != largest) {
            p.parent = run_name(spec, m.name, f, largest, seed);
            set(point_keys, "train.branch_from", abs_dir + "/runs/" + p.parent);
          }
          for (const auto& [k, v] : point_keys) p.args.push_back("--" + k + "=" + v);
          points.push_back(std::move(p));
        }
  }
  return points;
}

json manifest_json(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<Point>& points) {
  json pts = json::array();
  for (const auto& p : points) {
    json j{{"index", p.index}, {"run", p.run},     {"model", p.model},     {"data_fraction", p.fraction},
           {"seed", p.seed},   {"ranks", p.ranks}, {"run_dir", p.run_dir}, {"args", p.args}};
    if (p.budget > 0) j["budget"] = p.budget;
    if (!p.parent.empty()) j["parent"] = p.parent;
    pts.push_back(std::move(j));
  }
  return {{"sweep_file", spec.file},
          {"sweep_hash", spec.hash},
          {"name", spec.name},
          {"data", spec.data},
          {"budget_kind", budget_kind_name(spec.budget.kind)},
          {"sweep_dir", fs::absolute(sweep_dir).lexically_normal().string()},
          {"count", points.size()},
          {"points", pts}};
}

}  // namespace sst::sweep
