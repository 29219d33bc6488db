#include "analysis/runs/ablation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "common/error.h"

namespace sst::analysis::runs {

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd r;
  r.n = values.size();
  if (values.empty()) return r;
  r.mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  if (values.size() > 1) {
    double ss = 0;
    for (double v : values) ss += (v - r.mean) * (v - r.mean);
    r.std = std::sqrt(ss / (values.size() - 1));
  }
  return r;
}

std::string difference_name(const std::string& key) {
  if (key == kWorldSizeKey) return "world size";
  if (key == kThreadsKey) return "threads per rank";
  return key;
}

bool ignored_config_key(const std::string& key, const std::vector<std::string>& extra) {
  if (key == "train.seed" || key == "train.threads" || key.rfind("output.", 0) == 0) return true;
  for (const auto& e : extra) {
    if (e == key) return true;
    if (e.size() > 2 && e.compare(e.size() - 2, 2, ".*") == 0 && key.rfind(e.substr(0, e.size() - 1), 0) == 0)
      return true;
  }
  return false;
}

namespace {

text::IniEntries comparable(const Run& r, const std::vector<std::string>& extra) {
  if (!r.has_config) throw UserError(run_dir(r.dir).config_ini() + ": not found (needed to group runs)");
  text::IniEntries out;
  for (const auto& kv : r.config)
    if (!ignored_config_key(kv.first, extra)) out.push_back(kv);
  std::sort(out.begin(), out.end());  // order-insensitive comparison
  return out;
}

// World size and threads per rank from summary.json; empty without one.
text::IniEntries layout(const Run& r, const std::vector<std::string>& extra) {
  text::IniEntries out;
  if (!r.summary) return out;
  if (!ignored_config_key(kWorldSizeKey, extra)) out.emplace_back(kWorldSizeKey, std::to_string(r.summary->world_size));
  if (!ignored_config_key(kThreadsKey, extra))
    out.emplace_back(kThreadsKey, std::to_string(r.summary->threads_per_rank));
  return out;
}

// Config and layout together; a layout is compared only where both sides know theirs.
text::IniEntries with_layout(const AblationGroup& g, const AblationGroup& other) {
  text::IniEntries all = g.config;
  if (!g.layout.empty() && !other.layout.empty()) all.insert(all.end(), g.layout.begin(), g.layout.end());
  return all;
}

std::vector<ConfigDifference> differences(const text::IniEntries& base, const text::IniEntries& other) {
  std::set<std::string> keys;
  for (const auto& kv : base) keys.insert(kv.first);
  for (const auto& kv : other) keys.insert(kv.first);
  auto find = [](const text::IniEntries& e, const std::string& k) -> std::string {
    for (const auto& kv : e)
      if (kv.first == k) return kv.second;
    return "(absent)";
  };
  std::vector<ConfigDifference> d;
  for (const auto& k : keys) {
    const std::string a = find(base, k), b = find(other, k);
    if (a != b) d.push_back({k, a, b});
  }
  return d;
}

// The group's mean and spread over its seed values: the runs of one seed are one sample (their mean);
// a run of unknown seed is a sample of its own.
void summarize_by_seed(const std::vector<Run>& runs, AblationGroup& g) {
  std::vector<std::string> order;                                                      // seed keys, first appearance
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_seed;  // acc, loss
  for (size_t k = 0; k < g.runs.size(); ++k) {
    const std::string key = g.seeds[k] == "?" ? "?" + std::to_string(k) : g.seeds[k];
    if (!by_seed.count(key)) order.push_back(key);
    auto& [acc, loss] = by_seed[key];
    double ra = 0, rl = 0;
    if (best_dev(runs[g.runs[k]], ra, rl)) {
      acc.push_back(ra);
      loss.push_back(rl);
    }
  }
  g.distinct_seeds = order.size();
  std::vector<double> acc, loss;
  for (const auto& key : order) {
    const auto& [a, l] = by_seed[key];
    if (a.empty()) continue;
    acc.push_back(mean_std(a).mean);
    loss.push_back(mean_std(l).mean);
  }
  g.dev_acc = mean_std(acc);
  g.dev_loss = mean_std(loss);
}

}  // namespace

Ablation group_ablations(const std::vector<Run>& runs, size_t baseline, const std::vector<std::string>& extra) {
  if (baseline >= runs.size()) throw UserError("ablations: the baseline is not among the runs");
  Ablation a;
  std::vector<text::IniEntries> configs, layouts;
  for (const auto& r : runs) {
    configs.push_back(comparable(r, extra));
    layouts.push_back(layout(r, extra));
  }
  // A run without a layout (no summary.json yet) joins the first group whose config it shares.
  auto add_to_group = [&](size_t i) {
    for (auto& g : a.groups)
      if (g.config == configs[i] && (g.layout.empty() || layouts[i].empty() || g.layout == layouts[i])) {
        if (g.layout.empty()) g.layout = layouts[i];
        g.runs.push_back(i);
        return;
      }
    AblationGroup g;
    g.config = configs[i];
    g.layout = layouts[i];
    g.runs.push_back(i);
    a.groups.push_back(g);
  };
  add_to_group(baseline);  // the baseline's group comes first
  for (size_t i = 0; i < runs.size(); ++i)
    if (i != baseline) add_to_group(i);
  a.groups.front().is_baseline = true;
  for (auto& g : a.groups) {
    for (size_t i : g.runs) {
      const std::string seed = text::ini_value(runs[i].config, "train.seed");
      g.seeds.push_back(seed.empty() ? "?" : seed);
    }
    summarize_by_seed(runs, g);
    const AblationGroup& base = a.groups.front();
    if (!g.is_baseline) g.differences = differences(with_layout(base, g), with_layout(g, base));
  }
  return a;
}

}  // namespace sst::analysis::runs
