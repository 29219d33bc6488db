#include "analysis/runs/ablation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

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

bool ignored_config_key(const std::string& key, const std::vector<std::string>& extra) {
  if (key == "train.seed" || key.rfind("output.", 0) == 0) return true;
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

}  // namespace

Ablation group_ablations(const std::vector<Run>& runs, size_t baseline, const std::vector<std::string>& extra) {
  if (baseline >= runs.size()) throw UserError("ablations: the baseline is not among the runs");
  Ablation a;
  std::vector<text::IniEntries> configs;
  for (const auto& r : runs) configs.push_back(comparable(r, extra));
  auto add_to_group = [&](size_t i) {
    for (auto& g : a.groups)
      if (g.config == configs[i]) {
        g.runs.push_back(i);
        return;
      }
    AblationGroup g;
    g.config = configs[i];
    g.runs.push_back(i);
    a.groups.push_back(g);
  };
  add_to_group(baseline);  // the baseline's group comes first
  for (size_t i = 0; i < runs.size(); ++i)
    if (i != baseline) add_to_group(i);
  a.groups.front().is_baseline = true;
  for (auto& g : a.groups) {
    std::vector<double> acc, loss;
    for (size_t i : g.runs) {
      const std::string seed = text::ini_value(runs[i].config, "train.seed");
      g.seeds.push_back(seed.empty() ? "?" : seed);
      double ra = 0, rl = 0;
      if (best_dev(runs[i], ra, rl)) {
        acc.push_back(ra);
        loss.push_back(rl);
      }
    }
    g.dev_acc = mean_std(acc);
    g.dev_loss = mean_std(loss);
    if (!g.is_baseline) g.differences = differences(a.groups.front().config, g.config);
  }
  return a;
}

}  // namespace sst::analysis::runs
