// The allocation exponent a of an adaptive design (planner.h: allocation_verdict), from the project's IsoFLOP
// fits over the budgets the planner found bracketed, and the records of design.jsonl.
#include <algorithm>
#include <cmath>

#include "analysis/design/planner.h"
#include "analysis/fit/approaches.h"

namespace sst::analysis::design {
namespace {

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

Verdict allocation_verdict(const PlannerInput& in, const std::vector<Result>& results) {
  Verdict v;
  const auto states = budget_states(in, results);
  std::vector<double> budget, n, loss;
  size_t bracketed = 0;
  for (const auto& s : states) {
    if (!s.bracketed) continue;
    ++bracketed;
    for (const auto& r : results) {
      if (r.point.budget != s.budget || std::find(s.bracket.begin(), s.bracket.end(), r.point.model) == s.bracket.end())
        continue;
      for (const auto& size : in.ladder)
        if (size.model == r.point.model) n.push_back(size.n);
      budget.push_back(r.point.budget);
      loss.push_back(r.loss);
    }
  }
  if (bracketed < 2) {
    v.reason = "not identified: " + std::to_string(bracketed) + " budget(s) bracketed, a needs two";
    return v;
  }
  const auto fit = fit::isoflop_parabolas(budget, n, loss);
  v.budgets_used = fit.used;
  if (fit.used < 2 || !std::isfinite(fit.n_opt.exponent)) {
    v.reason =
        "not identified: the parabolas put " + std::to_string(fit.used) + " minimum(s) inside their sizes, a needs two";
    return v;
  }
  auto boot = fit::bootstrap_isoflop(budget, n, loss, in.design.bootstrap, in.design.bootstrap_seed, 1);
  const size_t total = boot.size();
  boot.erase(std::remove_if(boot.begin(), boot.end(), [](double x) { return !std::isfinite(x); }), boot.end());
  if (boot.size() < total * 9 / 10) {
    v.reason = "not identified: the bootstrap leaves a undetermined in " + std::to_string(total - boot.size()) +
               " of " + std::to_string(total) + " resamples";
    return v;
  }
  std::sort(boot.begin(), boot.end());
  v.identified = true;
  v.a = fit.n_opt.exponent;
  v.a_low = quantile(boot, 0.05);
  v.a_high = quantile(boot, 0.95);
  v.reason = "identified: IsoFLOP parabolas over " + std::to_string(fit.used) + " bracketed budgets";
  return v;
}

nlohmann::json to_json(const Decision& d) {
  nlohmann::json j{{"wave", d.wave}, {"action", d.action}};
  if (!d.model.empty()) j["model"] = d.model;
  if (d.budget > 0) j["budget"] = d.budget;
  j["reason"] = d.reason;
  return j;
}

nlohmann::json to_json(const Verdict& v) {
  nlohmann::json j{{"identified", v.identified}, {"budgets_used", v.budgets_used}, {"reason", v.reason}};
  j["a"] = v.identified ? nlohmann::json(v.a) : nlohmann::json();
  j["a_interval_90"] = v.identified ? nlohmann::json::array({v.a_low, v.a_high}) : nlohmann::json();
  return j;
}

}  // namespace sst::analysis::design
