// The wave planner (planner.h): profiles per budget, the decisions of one wave, the stopping rules, the cost
// of a wave with cooldown branches, and the allocation exponent from the project's IsoFLOP fits.
#include "analysis/design/planner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "analysis/fit/approaches.h"
#include "sweep/sweep.h"

namespace sst::analysis::design {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double v) {
  std::ostringstream s;
  s.precision(4);
  s << v;
  return s.str();
}

struct SizeStats {
  size_t ladder = 0;  // index into in.ladder
  double mean = 0, se = kInf;
  std::set<int64_t> seeds;
};

// Every trained point's losses by (ladder index, budget), and the seeds' pooled relative variance.
struct Table {
  std::map<std::pair<size_t, double>, std::vector<double>> losses;
  std::map<std::pair<size_t, double>, std::set<int64_t>> seeds;
  double pooled = -1;  // relative variance of one run's loss; < 0: no point has two seeds yet
};

size_t ladder_index(const PlannerInput& in, const std::string& model) {
  for (size_t i = 0; i < in.ladder.size(); ++i)
    if (in.ladder[i].model == model) return i;
  throw std::invalid_argument("planner: result of unknown size '" + model + "'");
}

Table tabulate(const PlannerInput& in, const std::vector<Result>& results) {
  Table t;
  for (const auto& r : results) {
    const auto key = std::make_pair(ladder_index(in, r.point.model), r.point.budget);
    t.losses[key].push_back(r.loss);
    t.seeds[key].insert(r.point.seed);
  }
  double sum = 0, dof = 0;
  for (const auto& [key, l] : t.losses) {
    if (l.size() < 2) continue;
    double mean = 0;
    for (double v : l) mean += v / static_cast<double>(l.size());
    for (double v : l) sum += (v / mean - 1) * (v / mean - 1);
    dof += static_cast<double>(l.size() - 1);
  }
  if (dof > 0) t.pooled = sum / dof;
  return t;
}

struct Profile {
  std::vector<SizeStats> sizes;  // by increasing N
  size_t min = 0;                // position of the lowest mean in `sizes`
  bool sep_low = false, sep_high = false;
};

bool separated(const SizeStats& s, const SizeStats& m, double k) {
  return std::isfinite(s.se) && s.mean - m.mean > k * std::sqrt(s.se * s.se + m.se * m.se);
}

Profile profile(const PlannerInput& in, const Table& t, double budget) {
  Profile p;
  for (const auto& [key, l] : t.losses) {
    if (key.second != budget) continue;
    SizeStats s;
    s.ladder = key.first;
    for (double v : l) s.mean += v / static_cast<double>(l.size());
    if (t.pooled >= 0) s.se = s.mean * std::sqrt(t.pooled / static_cast<double>(l.size()));
    s.seeds = t.seeds.at(key);
    p.sizes.push_back(s);
  }
  for (size_t i = 1; i < p.sizes.size(); ++i)
    if (p.sizes[i].mean < p.sizes[p.min].mean) p.min = i;
  for (size_t i = 0; i < p.sizes.size(); ++i) {
    const bool sep = separated(p.sizes[i], p.sizes[p.min], in.design.separation);
    if (i < p.min) p.sep_low = p.sep_low || sep;
    if (i > p.min) p.sep_high = p.sep_high || sep;
  }
  return p;
}

BudgetState state_of(const PlannerInput& in, const Profile& p, double budget) {
  BudgetState s;
  s.budget = budget;
  s.sizes = p.sizes.size();
  if (!p.sizes.empty()) s.minimum = in.ladder[p.sizes[p.min].ladder].model;
  s.bracketed = p.sep_low && p.sep_high;
  if (!s.bracketed) return s;
  size_t lo = p.min, hi = p.min;
  const auto& m = p.sizes[p.min];
  while (!separated(p.sizes[lo], m, in.design.separation)) --lo;
  while (!separated(p.sizes[hi], m, in.design.separation)) ++hi;
  for (size_t i = lo; i <= hi; ++i) s.bracket.push_back(in.ladder[p.sizes[i].ladder].model);
  return s;
}

// What one wave asks for: the seed count each (ladder index, budget) should reach.
struct Plan {
  std::map<std::pair<size_t, double>, size_t> want;
  std::vector<Decision> decisions;
  int wave = 0;
  void ask(size_t ladder, double budget, size_t seeds) {
    auto& w = want[{ladder, budget}];
    w = std::max(w, seeds);
  }
  void log(const std::string& action, const std::string& model, double budget, const std::string& reason) {
    decisions.push_back({wave, action, model, budget, reason});
  }
};

// The first ladder size beyond `from` in direction `dir` that trains `budget` and has not trained it.
std::optional<size_t> next_outward(const PlannerInput& in, const Table& t, double budget, size_t from, int dir) {
  for (long i = static_cast<long>(from) + dir; i >= 0 && i < static_cast<long>(in.ladder.size()); i += dir) {
    const auto idx = static_cast<size_t>(i);
    if (in.ladder[idx].trains(budget) && !t.losses.count({idx, budget})) return idx;
  }
  return std::nullopt;
}

// The decisions for one side (dir -1: smaller sizes, +1: larger) of an unbracketed budget's profile.
void plan_side(const PlannerInput& in, const Table& t, const Profile& p, double b, int dir, Plan& plan) {
  const auto& d = in.design;
  const SizeStats& m = p.sizes[p.min];
  const std::string& m_name = in.ladder[m.ladder].model;
  const std::string side = dir < 0 ? "smaller" : "larger";
  std::vector<size_t> on_side;  // positions in p.sizes, nearest the minimum first
  for (long i = static_cast<long>(p.min) + dir; i >= 0 && i < static_cast<long>(p.sizes.size()); i += dir)
    on_side.push_back(static_cast<size_t>(i));
  const size_t outer = on_side.empty() ? m.ladder : p.sizes[on_side.back()].ladder;
  const auto ext = next_outward(in, t, b, outer, dir);
  if (on_side.empty()) {
    if (ext) {
      plan.ask(*ext, b, d.seeds_start);
      plan.log("extend", in.ladder[*ext].model, b,
               "the loss falls toward " + side + " sizes: " + m_name + " is the lowest of the profile, at its edge");
    } else {
      plan.log("exhausted", m_name, b,
               "the minimum is at the profile's edge and no " + side + " size trains this budget");
    }
    return;
  }
  const SizeStats& near = p.sizes[on_side.front()];
  const SizeStats* top = &near;  // the side's highest mean: the best chance of a separation
  for (size_t i : on_side)
    if (p.sizes[i].mean > top->mean) top = &p.sizes[i];
  const std::string top_name = in.ladder[top->ladder].model;
  if (t.pooled < 0 && d.seeds_max >= 2) {
    plan.ask(m.ladder, b, 2);
    plan.ask(near.ladder, b, 2);
    plan.log("seed", m_name + "," + in.ladder[near.ladder].model, b,
             "no seed spread measured yet: a second seed of the minimum and its " + side + " neighbour");
    return;
  }
  const std::string gap = top_name + " is above the minimum " + m_name + " by " + num(top->mean - m.mean) +
                          ", not more than " + num(d.separation) + " x their combined SE (" +
                          num(std::sqrt(top->se * top->se + m.se * m.se)) + ")";
  if (ext) {
    plan.ask(*ext, b, d.seeds_start);
    plan.log("extend", in.ladder[*ext].model, b, gap + ": a " + side + " size widens the gap");
  } else if (top->seeds.size() < d.seeds_max || m.seeds.size() < d.seeds_max) {
    plan.ask(m.ladder, b, std::min(d.seeds_max, m.seeds.size() + 1));
    plan.ask(top->ladder, b, std::min(d.seeds_max, top->seeds.size() + 1));
    plan.log("seed", m_name + "," + top_name, b, gap + ", and no " + side + " size trains this budget: another seed");
  } else {
    plan.log("exhausted", m_name, b, gap + "; no " + side + " size trains this budget and both have seeds_max seeds");
  }
}

// A budget without any trained size: the (up to) three sizes that train it nearest the start sizes' centre.
void plan_empty(const PlannerInput& in, double b, Plan& plan) {
  double centre = 0;
  for (const auto& s : in.design.start) centre += static_cast<double>(ladder_index(in, s)) / in.design.start.size();
  std::vector<size_t> allowed;
  for (size_t i = 0; i < in.ladder.size(); ++i)
    if (in.ladder[i].trains(b)) allowed.push_back(i);
  std::stable_sort(allowed.begin(), allowed.end(), [&](size_t x, size_t y) {
    return std::abs(static_cast<double>(x) - centre) < std::abs(static_cast<double>(y) - centre);
  });
  if (allowed.size() > 3) allowed.resize(3);
  for (size_t i : allowed) {
    plan.ask(i, b, in.design.seeds_start);
    plan.log("start", in.ladder[i].model, b, "no start size trains this budget: the sizes nearest the start's centre");
  }
}

void log_bracketed(const PlannerInput& in, const Profile& p, double b, Plan& plan) {
  const SizeStats& m = p.sizes[p.min];
  plan.log("bracketed", in.ladder[m.ladder].model, b,
           "a size on each side of the minimum is above it by more than " + num(in.design.separation) +
               " x their combined SE");
  for (const auto& s : p.sizes)
    if (&s != &m && separated(s, m, in.design.separation))
      plan.log("retire", in.ladder[s.ladder].model, b,
               "can no longer win this budget (mean " + num(s.mean) + " vs the minimum's " + num(m.mean) +
                   "): no more seeds");
}

std::vector<PointKey> points_of(const PlannerInput& in, const Table& t, const Plan& plan) {
  std::vector<PointKey> out;
  for (const auto& [key, target] : plan.want) {
    const auto it = t.seeds.find(key);
    size_t have = it == t.seeds.end() ? 0 : it->second.size();
    for (int64_t seed : in.seeds) {
      if (have >= target) break;
      if (it != t.seeds.end() && it->second.count(seed)) continue;
      out.push_back({in.ladder[key.first].model, key.second, seed});
      ++have;
    }
  }
  return out;
}

// No budget can gain a bracket, but the bootstrap loses one too often to determine a: one more seed of each size
// in every bracketed budget's bracket (a resample of one run per size drops a third of the sizes).
void resolve_allocation(const PlannerInput& in, const Table& t, const std::vector<BudgetState>& states,
                        const Verdict& v, Plan& plan) {
  for (const auto& s : states)
    for (const auto& model : s.bracket) {
      const size_t i = ladder_index(in, model);
      const size_t have = t.seeds.at({i, s.budget}).size();
      if (have >= in.design.seeds_max) continue;
      plan.ask(i, s.budget, have + 1);
      plan.log("seed", model, s.budget, "no budget can gain a bracket, but a is " + v.reason + ": another seed");
    }
}

}  // namespace

bool LadderSize::trains(double budget) const {
  return budgets.empty() || std::find(budgets.begin(), budgets.end(), budget) != budgets.end();
}

double flops_spent(const PlannerInput& in, const std::vector<Result>& results) {
  double total = 0;
  for (const auto& r : results) {
    bool branch = false;
    for (const auto& o : results)
      branch = branch || (in.cooldown_branches && o.point.model == r.point.model && o.point.seed == r.point.seed &&
                          o.point.budget > r.point.budget && o.wave <= r.wave);
    total += r.point.budget * (branch ? in.decay_fraction : 1.0);
  }
  return total;
}

std::vector<BudgetState> budget_states(const PlannerInput& in, const std::vector<Result>& results) {
  const Table t = tabulate(in, results);
  std::vector<BudgetState> out;
  for (double b : in.budgets) out.push_back(state_of(in, profile(in, t, b), b));
  return out;
}

Wave plan_next(const PlannerInput& in, const std::vector<Result>& results) {
  Wave w;
  for (const auto& r : results) w.wave = std::max(w.wave, r.wave + 1);
  Plan plan;
  plan.wave = w.wave;
  const Table t = tabulate(in, results);
  std::vector<Result> before;  // the results before the last wave: what was bracketed already
  for (const auto& r : results)
    if (r.wave + 1 < w.wave) before.push_back(r);
  const auto was = budget_states(in, before);
  size_t bracketed = 0;
  for (size_t k = 0; k < in.budgets.size(); ++k) {
    const double b = in.budgets[k];
    const Profile p = profile(in, t, b);
    w.budgets.push_back(state_of(in, p, b));
    if (w.budgets.back().bracketed) {
      ++bracketed;
      if (!was[k].bracketed) log_bracketed(in, p, b, plan);
    } else if (p.sizes.empty()) {  // the first wave, or a budget no size has trained yet
      bool any = false;
      for (const auto& s : in.design.start)
        if (in.ladder[ladder_index(in, s)].trains(b))
          plan.ask(ladder_index(in, s), b, in.design.seeds_start), any = true;
      if (!any) plan_empty(in, b, plan);
    } else {
      if (!p.sep_low) plan_side(in, t, p, b, -1, plan);
      if (!p.sep_high) plan_side(in, t, p, b, +1, plan);
    }
  }
  if (results.empty()) plan.log("start", "", 0, "the first wave: design.start x every budget each size trains");
  w.flops_spent = flops_spent(in, results);
  w.points = points_of(in, t, plan);
  std::vector<Result> with = results;
  for (const auto& pt : w.points) with.push_back({pt, w.wave, 0});
  w.wave_flops = flops_spent(in, with) - w.flops_spent;
  auto stop = [&](const std::string& why) {
    w.stop = true;
    w.stop_reason = why;
    w.points.clear();
    w.wave_flops = 0;
    plan.log("stop", "", 0, why);
  };
  // Nothing left to bracket: resolve a over the bracketed budgets while the bootstrap cannot determine it.
  Verdict v;
  if (w.points.empty() && bracketed >= 2) {
    v = allocation_verdict(in, results);
    if (!v.identified) {
      resolve_allocation(in, t, w.budgets, v, plan);
      w.points = points_of(in, t, plan);
      with = results;
      for (const auto& pt : w.points) with.push_back({pt, w.wave, 0});
      w.wave_flops = flops_spent(in, with) - w.flops_spent;
    }
  }
  const std::string unbracketed = std::to_string(in.budgets.size() - bracketed) + " budget(s) unbracketed";
  if (w.points.empty() && bracketed == in.budgets.size()) {
    stop(v.identified ? "bracketed: every budget's minimum is bracketed, and a is determined in 90% of the "
                        "bootstrap resamples"
                      : "bracketed: every budget's minimum is bracketed, but a is " + v.reason);
  } else if (w.points.empty()) {
    stop("exhausted: " + unbracketed + ", and neither the ladder nor seeds_max allows another point");
  } else if (w.wave >= static_cast<int>(in.design.max_waves)) {
    stop("max_waves: " + std::to_string(in.design.max_waves) + " waves planned, " + unbracketed);
  } else if (w.flops_spent + w.wave_flops > in.design.cap_flops) {
    stop("cap: the next wave (" + std::to_string(w.points.size()) + " runs, " + num(w.wave_flops) +
         " FLOPs) would bring the compute to " + num(w.flops_spent + w.wave_flops) + ", over the cap of " +
         num(in.design.cap_flops) + "; " + unbracketed);
  }
  w.decisions = plan.decisions;
  return w;
}

}  // namespace sst::analysis::design
