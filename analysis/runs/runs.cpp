#include "analysis/runs/runs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {
namespace {

double number(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) throw UserError(where + ": missing or non-numeric \"" + key + "\"");
  return it->get<double>();
}

}  // namespace

rundir::RunDir run_dir(const std::string& dir) {
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return rundir::RunDir(root);
}

bool is_run_dir(const std::string& dir) {
  const rundir::RunDir files = run_dir(dir);
  return fs::is_regular_file(files.metrics()) || fs::is_regular_file(files.summary());
}

std::vector<std::string> expand_run_dirs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (!fs::exists(a)) throw UserError(a + ": no such run directory");
    if (!fs::is_directory(a)) throw UserError(a + ": not a directory");
    if (is_run_dir(a)) {
      out.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(a); it != fs::recursive_directory_iterator(); ++it) {
      if (it.depth() > 1) it.disable_recursion_pending();
      if (it->is_directory() && is_run_dir(it->path().string())) {
        found.push_back(it->path().string());
        it.disable_recursion_pending();
      }
    }
    if (found.empty()) throw UserError(a + ": no metrics.jsonl or summary.json here or in its subdirectories");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

Run load_run(const std::string& dir) {
  Run r;
  r.dir = dir;
  r.name = fs::path(dir).lexically_normal().filename().string();
  if (r.name.empty()) r.name = fs::path(dir).lexically_normal().parent_path().filename().string();
  const rundir::RunDir files = run_dir(dir);
  const std::string metrics = files.metrics();
  if (!fs::exists(metrics)) throw UserError(metrics + ": not found (is " + dir + " an sst-train run?)");
  const std::string lines = text::read_file(metrics, "metrics");
  size_t pos = 0;
  for (int n = 1; pos < lines.size(); ++n) {
    size_t end = lines.find('\n', pos);
    const bool terminated = end != std::string::npos;
    const std::string line = text::trim(lines.substr(pos, terminated ? end - pos : std::string::npos));
    pos = terminated ? end + 1 : lines.size();
    if (line.empty()) continue;
    const std::string where = metrics + ":" + std::to_string(n);
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (!terminated) break;  // the last write of a killed run
      throw UserError(where + ": not a JSON object");
    }
    const std::string kind = j.value("kind", "");
    if (kind == "train") {
      r.train.push_back({static_cast<int64_t>(number(j, "step", where)), number(j, "tokens_processed", where),
                         number(j, "loss", where)});
    } else if (kind == "eval") {
      r.evals.push_back({static_cast<int64_t>(number(j, "step", where)), number(j, "tokens_processed", where),
                         number(j, "dev_loss", where), number(j, "dev_acc", where)});
    }
  }
  r.summary = rundir::read_summary(files);
  if (fs::exists(files.config_ini())) {
    r.config = text::read_ini_file(files.config_ini());
    r.has_config = true;
  }
  return r;
}

std::vector<Run> load_runs(const std::vector<std::string>& args) {
  std::vector<Run> runs;
  for (const auto& d : expand_run_dirs(args)) runs.push_back(load_run(d));
  std::map<std::string, int> seen;
  for (const auto& r : runs) ++seen[r.name];
  for (auto& r : runs)
    if (seen[r.name] > 1) {
      const std::string parent = fs::path(r.dir).lexically_normal().parent_path().filename().string();
      r.name = parent + "/" + r.name;
    }
  return runs;
}

bool best_dev(const Run& run, double& acc, double& loss) {
  if (run.summary && run.summary->best_dev_acc && run.summary->best_dev_loss) {
    acc = *run.summary->best_dev_acc;
    loss = *run.summary->best_dev_loss;
    return true;
  }
  if (run.evals.empty()) return false;
  acc = 0;
  loss = run.evals.front().dev_loss;
  for (const auto& e : run.evals) {
    acc = std::max(acc, e.dev_acc);
    loss = std::min(loss, e.dev_loss);
  }
  return true;
}

}  // namespace sst::analysis::runs
