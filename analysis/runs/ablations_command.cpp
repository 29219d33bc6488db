#include "analysis/runs/ablations_command.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "analysis/cli/cells.h"
#include "analysis/cli/options.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {

const char* const kAblationsSummary =
    "group runs by config and world size, compare with a baseline: mean +- std over seeds";

size_t resolve_baseline(std::vector<Run>& runs, const std::string& b) {
  if (fs::is_directory(b)) {
    const fs::path want = fs::canonical(b);
    for (size_t i = 0; i < runs.size(); ++i)
      if (fs::canonical(runs[i].dir) == want) return i;
    runs.push_back(load_run(b));  // a baseline given only through --baseline
    return runs.size() - 1;
  }
  std::string names;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].name == b) return i;
    names += (names.empty() ? "" : ", ") + runs[i].name;
  }
  throw UserError("--baseline '" + b + "' is neither a run directory nor one of the runs (" + names + ")");
}

namespace {

std::string pm(const MeanStd& m, const char* spec) {
  if (m.n == 0) return "-";
  char buf[96];
  std::string f = std::string(spec) + " ± " + spec;
  if (m.n == 1) f = spec;
  std::snprintf(buf, sizeof buf, f.c_str(), m.mean, m.std);
  return buf;
}

json mean_std_json(const MeanStd& m) {
  json j{{"n", m.n}};
  j["mean"] = m.n ? json(m.mean) : json(nullptr);
  j["std"] = m.n > 1 ? json(m.std) : json(nullptr);
  return j;
}

std::string diff_text(const AblationGroup& g) {
  if (g.is_baseline) return "(baseline)";
  if (g.differences.empty()) return "(same config)";
  std::string s;
  for (const auto& d : g.differences)
    s += (s.empty() ? "" : "; ") + difference_name(d.key) + ": " + d.baseline + " → " + d.value;
  return s;
}

// "3", or "2 (3 runs)" when runs share a seed.
std::string seeds_text(const AblationGroup& g) {
  std::string s = std::to_string(g.distinct_seeds);
  if (g.runs.size() != g.distinct_seeds) s += " (" + std::to_string(g.runs.size()) + " runs)";
  return s;
}

}  // namespace

json ablation_json(const std::vector<Run>& runs, const Ablation& a, const std::vector<std::string>& ignored) {
  json groups = json::array();
  for (const auto& g : a.groups) {
    json runs_j = json::array();
    for (size_t k = 0; k < g.runs.size(); ++k)
      runs_j.push_back({{"name", runs[g.runs[k]].name}, {"dir", runs[g.runs[k]].dir}, {"seed", g.seeds[k]}});
    json diffs = json::array();
    for (const auto& d : g.differences) diffs.push_back({{"key", d.key}, {"baseline", d.baseline}, {"value", d.value}});
    json config = json::object();
    for (const auto& [k, v] : g.config) config[k] = v;
    for (const auto& [k, v] : g.layout) config[k] = v;
    groups.push_back({{"baseline", g.is_baseline},
                      {"n_seeds", g.distinct_seeds},
                      {"n_runs", g.runs.size()},
                      {"runs", runs_j},
                      {"differences", diffs},
                      {"dev_acc", mean_std_json(g.dev_acc)},
                      {"dev_loss", mean_std_json(g.dev_loss)},
                      {"config", config}});
  }
  std::vector<std::string> ignored_keys{"train.seed", "train.threads", "output.*"};
  ignored_keys.insert(ignored_keys.end(), ignored.begin(), ignored.end());
  return {{"metric",
           "best dev accuracy / loss per run (summary.json, else metrics.jsonl), averaged over the runs of one seed "
           "value; mean and std (n-1) over the seeds"},
          {"ignored_keys", ignored_keys},
          {"groups", groups}};
}

std::string ablation_markdown(const std::vector<Run>& runs, const Ablation& a) {
  std::ostringstream s;
  s << "| group | differs from baseline | seeds | dev accuracy | dev loss | runs |\n|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < a.groups.size(); ++i) {
    const auto& g = a.groups[i];
    std::string names;
    for (size_t k : g.runs) names += (names.empty() ? "" : ", ") + runs[k].name;
    s << "| " << i + 1 << " | " << cli::md_cell(diff_text(g)) << " | " << seeds_text(g) << " | "
      << pm(g.dev_acc, "%.4f") << " | " << pm(g.dev_loss, "%.4f") << " | " << cli::md_cell(names) << " |\n";
  }
  s << "\nMean ± sample standard deviation over the seed values of each group (runs that share a seed count once, "
       "as their mean; a single seed shows its value); runs are grouped by config.ini without train.seed, "
       "train.threads and [output], and by the world size and threads per rank they ran with (summary.json).\n";
  return s.str();
}

int ablations_main(int argc, char** argv) {
  std::vector<std::string> dirs, ignore;
  std::string baseline, output = "ablations_out";
  const std::string usage =
      "Usage: sst-analyze ablations RUN_DIR ... --baseline NAME_OR_DIR [--output DIR]\n\n"
      "Groups runs whose config.ini agree except for train.seed, train.threads and the [output] section and\n"
      "that ran with the same world size and threads per rank (summary.json), and compares each group with\n"
      "the baseline's group: the keys that differ (a different number of ranks shows as `world size: 1 → 2`),\n"
      "the number of distinct seeds, and best dev accuracy and loss as mean ± std over seeds (runs that share\n"
      "a seed count once). Writes OUTPUT/ablations.json and ablations.md and prints the table.\n"
      "A directory that is not a run (e.g. a sweep) stands for the runs below it.\n\nOptions";
  OptionTable t("", "--");
  t.add_required("baseline", baseline, "NAME_OR_DIR", "baseline run (name or directory)");
  cli::add_output_option(t, output);
  t.add_list("ignore", ignore, "KEY",
             "also ignore section.key (or section.*) when grouping, e.g. model.dropout, or world_size / "
             "threads_per_rank (repeatable)");
  const auto check = [&](const po::variables_map&) {
    if (dirs.empty()) throw po::error("give at least one RUN_DIR");
  };
  if (auto exit =
          cli::parse_subcommand_options("ablations", argc, argv, usage, t, cli::Positional{"run", &dirs}, check))
    return *exit;
  std::vector<Run> runs = load_runs(dirs);
  const size_t b = resolve_baseline(runs, baseline);
  const Ablation a = group_ablations(runs, b, ignore);
  const std::string md = ablation_markdown(runs, a);
  ensure_output_dir(output);
  write_text_atomically((fs::path(output) / "ablations.md").string(), "# Ablations\n\n" + md);
  write_text_atomically((fs::path(output) / "ablations.json").string(), ablation_json(runs, a, ignore).dump(2) + "\n");
  std::cout << md << "wrote " << (fs::path(output) / "ablations.json").string() << " and ablations.md\n";
  return 0;
}

}  // namespace sst::analysis::runs
