// An adaptive design's waves in a sweep directory (wave.h): results from the finished runs, the next wave as
// grid points with their cooldown branches, the manifest and design.jsonl that record them.
#include "analysis/design/wave.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <utility>

#include "common/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::design {
namespace {

const sweep::Point& grid_point(const std::vector<sweep::Point>& grid, const std::string& model, double budget,
                               int64_t seed) {
  for (const auto& p : grid)
    if (p.model == model && p.budget == budget && p.seed == seed) return p;
  throw UserError("the planner chose " + model + " at budget " + sweep::format_number(budget) + ", seed " +
                  std::to_string(seed) + ", which is not in the sweep file's grid");
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<Result> manifest_results(const std::string& sweep_dir, const json& manifest) {
  std::vector<Result> out;
  for (const auto& p : manifest.at("points")) {
    const auto state = sweep::run_state(sweep_dir, p);
    if (!state.finished()) continue;
    if (!p.contains("budget") || !p.contains("wave"))
      throw UserError(sweep_dir + "/" + sweep::kManifestName + ": point " + state.run +
                      " has no budget or wave: not the manifest of an adaptive design");
    if (!state.summary->best_dev_loss)
      throw UserError(state.dir + "/summary.json: run " + state.run +
                      " finished without a best_dev_loss; the planner needs one loss per run");
    out.push_back({{state.model, p.at("budget").get<double>(), p.at("seed").get<int64_t>()},
                   p.at("wave").get<int>(),
                   *state.summary->best_dev_loss});
  }
  return out;
}

std::vector<sweep::Point> wave_points(const sweep::SweepSpec& spec, const std::string& sweep_dir, const json& existing,
                                      const Wave& w) {
  const auto grid = sweep::expand(spec, sweep_dir);
  const std::string abs_dir = fs::absolute(sweep_dir).lexically_normal().string();
  // The budgets of each (size, seed) trained in an earlier wave or planned in this one.
  std::map<std::pair<std::string, int64_t>, double> largest;
  auto note = [&](const std::string& model, int64_t seed, double budget) {
    auto& b = largest[{model, seed}];
    b = std::max(b, budget);
  };
  for (const auto& p : existing) note(p.at("model"), p.at("seed"), p.value("budget", 0.0));
  for (const auto& k : w.points) note(k.model, k.seed, k.budget);
  std::vector<sweep::Point> out;
  size_t index = existing.size();
  for (const auto& k : w.points) {
    sweep::Point p = grid_point(grid, k.model, k.budget, k.seed);
    p.index = index++;
    p.parent.clear();
    // expand's branches follow the whole grid (the largest budget is every branch's parent); a wave's follow
    // what has been trained.
    p.args.erase(std::remove_if(p.args.begin(), p.args.end(),
                                [](const std::string& a) {
                                  return starts_with(a, "--train.snapshot_budgets=") ||
                                         starts_with(a, "--train.branch_from=");
                                }),
                 p.args.end());
    if (!spec.budget.cooldown_branches) {
      out.push_back(std::move(p));
      continue;
    }
    const double parent_budget = largest[{k.model, k.seed}];
    if (parent_budget > k.budget) {
      p.parent = grid_point(grid, k.model, parent_budget, k.seed).run;
      p.args.push_back("--train.branch_from=" + abs_dir + "/runs/" + p.parent);
    } else {
      std::vector<double> size_budgets = spec.budget.values;
      for (const auto& m : spec.models)
        if (m.name == k.model && !m.budgets.empty()) size_budgets = m.budgets;
      std::sort(size_budgets.begin(), size_budgets.end());
      std::string smaller;
      for (double b : size_budgets)
        if (b < k.budget) smaller += (smaller.empty() ? "" : ",") + sweep::format_number(b);
      if (!smaller.empty()) p.args.push_back("--train.snapshot_budgets=" + smaller);
    }
    out.push_back(std::move(p));
  }
  return out;
}

json next_manifest(const sweep::SweepSpec& spec, const std::string& sweep_dir, const json& old,
                   const std::vector<sweep::Point>& points, const Wave& w) {
  json m = sweep::manifest_json(spec, sweep_dir, points);
  json all = old.is_object() && old.contains("points") ? old["points"] : json::array();
  for (auto p : m["points"]) {
    p["wave"] = w.wave;
    all.push_back(std::move(p));
  }
  m["points"] = all;
  m["count"] = all.size();
  m["design"] = {{"waves", w.stop ? w.wave : w.wave + 1},
                 {"ended", w.stop},
                 {"stop_reason", w.stop_reason},
                 {"flops_spent", w.flops_spent},
                 {"wave_flops", w.wave_flops}};
  return m;
}

std::string next_design_log(const std::string& old_text, const std::string& path, const Wave& w) {
  std::string out;
  std::istringstream in(old_text);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw UserError(path + ":" + std::to_string(n) + ": not a JSON line (" + e.what() + ")");
    }
    if (!j.is_object() || !j.contains("wave") || !j["wave"].is_number_integer())
      throw UserError(path + ":" + std::to_string(n) + ": a decision without an integer \"wave\"");
    if (j["wave"].get<int>() < w.wave) out += line + "\n";
  }
  for (const auto& d : w.decisions) out += to_json(d).dump() + "\n";
  return out;
}

}  // namespace sst::analysis::design
