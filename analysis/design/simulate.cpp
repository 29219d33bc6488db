// The simulator (simulate.h): the planner's waves against a known law with multiplicative Gaussian noise, and
// the fixed grid that reaches the same verdict.
#include "analysis/design/simulate.h"

#include <cmath>
#include <cstring>

#include "common/error.h"
#include "common/splitmix.h"
#include "common/text.h"

namespace sst::analysis::design {
namespace {

// A standard normal from the point's identity (FNV-1a of its fields, then splitmix64 and Box-Muller).
double point_normal(uint64_t seed, const PointKey& p) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const void* data, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(data)[i]) * 1099511628211ULL;
  };
  mix(&seed, sizeof seed);
  mix(p.model.data(), p.model.size());
  mix(&p.budget, sizeof p.budget);
  mix(&p.seed, sizeof p.seed);
  const double u1 = (static_cast<double>(splitmix64(h) >> 11) + 0.5) / 9007199254740992.0;
  const double u2 = static_cast<double>(splitmix64(h) >> 11) / 9007199254740992.0;
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

double model_n(const PlannerInput& in, const std::string& model) {
  for (const auto& s : in.ladder)
    if (s.model == model) return s.n;
  throw std::invalid_argument("simulate: unknown size '" + model + "'");
}

FixedGrid fixed_grid(const PlannerInput& in, const Law& law, double sigma, uint64_t seed) {
  FixedGrid f;
  for (size_t k = 1; k <= in.design.seeds_max; ++k) {
    std::vector<Result> results;
    for (const auto& size : in.ladder)
      for (double b : in.budgets)
        if (size.trains(b))
          for (size_t i = 0; i < k; ++i) {
            const PointKey p{size.model, b, in.seeds[i]};
            results.push_back({p, 0, simulated_loss(in, law, sigma, seed, p)});
          }
    bool all = true;
    for (const auto& s : budget_states(in, results)) all = all && s.bracketed;
    f = FixedGrid{false, k, results.size(), flops_spent(in, results), allocation_verdict(in, results)};
    f.reached = all && f.verdict.identified;
    if (f.reached) break;
  }
  return f;
}

}  // namespace

double Law::loss(double n, double d) const { return E + A / std::pow(n, alpha) + B / std::pow(d, beta); }

Law parse_law(const std::string& text) {
  const auto items = text::split_list(text);
  std::vector<double> v;
  for (const auto& s : items) {
    try {
      size_t pos = 0;
      v.push_back(std::stod(s, &pos));
      if (pos != s.size() || !std::isfinite(v.back())) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      throw UserError("--law: '" + s + "' is not a number (--law E,A,alpha,B,beta)");
    }
  }
  if (v.size() != 5) throw UserError("--law '" + text + "': give five numbers E,A,alpha,B,beta");
  const Law law{v[0], v[1], v[2], v[3], v[4]};
  if (law.E < 0 || law.A < 0 || law.B < 0) throw UserError("--law '" + text + "': E, A and B must be >= 0");
  if (!(law.alpha > 0 && law.beta > 0)) throw UserError("--law '" + text + "': alpha and beta must be > 0");
  return law;
}

double simulated_loss(const PlannerInput& in, const Law& law, double sigma, uint64_t seed, const PointKey& p) {
  const double n = model_n(in, p.model);
  return law.loss(n, p.budget / (6 * n)) * (1 + sigma * point_normal(seed, p));
}

Simulation simulate(const PlannerInput& in, const Law& law, double sigma, uint64_t seed) {
  Simulation s;
  while (true) {
    s.waves.push_back(plan_next(in, s.results));
    const Wave& w = s.waves.back();
    if (w.stop) break;
    for (const auto& p : w.points) s.results.push_back({p, w.wave, simulated_loss(in, law, sigma, seed, p)});
  }
  s.verdict = allocation_verdict(in, s.results);
  s.flops = flops_spent(in, s.results);
  for (const auto& r : s.results) s.flops_without_branches += r.point.budget;
  s.fixed = fixed_grid(in, law, sigma, seed);
  return s;
}

std::string design_log(const Simulation& s) {
  std::string out;
  for (const auto& w : s.waves)
    for (const auto& d : w.decisions) out += to_json(d).dump() + "\n";
  return out;
}

nlohmann::json to_json(const Simulation& s, const PlannerInput& in, const Law& law, double sigma, uint64_t seed) {
  using nlohmann::json;
  const Wave& last = s.waves.back();
  json j;
  j["law"] = {{"E", law.E}, {"A", law.A}, {"alpha", law.alpha}, {"B", law.B}, {"beta", law.beta}};
  j["true_a"] = law.A > 0 && law.B > 0 ? json(law.allocation_exponent()) : json();
  j["noise"] = sigma;
  j["seed"] = seed;
  j["runs"] = s.results.size();
  j["waves"] = last.wave;
  j["flops"] = s.flops;
  j["flops_without_branches"] = s.flops_without_branches;
  j["cap_flops"] = in.design.cap_flops;
  j["stop_reason"] = last.stop_reason;
  j["stopped_by"] = last.stop_reason.substr(0, last.stop_reason.find(':'));
  json budgets = json::array();
  for (const auto& b : last.budgets)
    budgets.push_back({{"budget", b.budget}, {"bracketed", b.bracketed}, {"minimum", b.minimum}, {"sizes", b.sizes}});
  j["budgets"] = budgets;
  j["allocation"] = to_json(s.verdict);
  json fixed = {{"reached_same_verdict", s.fixed.reached},
                {"seeds", s.fixed.seeds},
                {"runs", s.fixed.runs},
                {"flops", s.fixed.flops},
                {"allocation", to_json(s.fixed.verdict)}};
  const bool comparable = s.fixed.reached && s.verdict.identified;
  fixed["adaptive_over_fixed_flops"] = comparable ? json(s.flops / s.fixed.flops) : json();
  j["fixed_grid"] = fixed;
  return j;
}

}  // namespace sst::analysis::design
