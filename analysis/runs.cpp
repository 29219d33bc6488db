#include "runs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw UserError("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

double number(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) throw UserError(where + ": missing or non-numeric \"" + key + "\"");
  return it->get<double>();
}

}  // namespace

IniEntries parse_ini(const std::string& text, const std::string& source) {
  IniEntries out;
  std::istringstream in(text);
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const std::string where = source + ":" + std::to_string(n);
    if (line.front() == '[') {
      if (line.back() != ']') throw UserError(where + ": malformed section header '" + line + "'");
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw UserError(where + ": expected 'key = value', got '" + line + "'");
    const std::string key = trim(line.substr(0, eq));
    if (key.empty()) throw UserError(where + ": empty key");
    out.emplace_back(section.empty() ? key : section + "." + key, trim(line.substr(eq + 1)));
  }
  return out;
}

std::string ini_value(const IniEntries& ini, const std::string& key) {
  for (const auto& [k, v] : ini)
    if (k == key) return v;
  return "";
}

bool is_run_dir(const std::string& dir) {
  return fs::is_regular_file(fs::path(dir) / "metrics.jsonl") || fs::is_regular_file(fs::path(dir) / "summary.json");
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
  const fs::path metrics = fs::path(dir) / "metrics.jsonl";
  if (!fs::exists(metrics)) throw UserError(metrics.string() + ": not found (is " + dir + " an sst-train run?)");
  const std::string text = read_file(metrics);
  size_t pos = 0;
  for (int n = 1; pos < text.size(); ++n) {
    size_t end = text.find('\n', pos);
    const bool terminated = end != std::string::npos;
    const std::string line = trim(text.substr(pos, terminated ? end - pos : std::string::npos));
    pos = terminated ? end + 1 : text.size();
    if (line.empty()) continue;
    const std::string where = metrics.string() + ":" + std::to_string(n);
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
  const fs::path summary = fs::path(dir) / "summary.json";
  if (fs::exists(summary)) {
    r.summary = json::parse(read_file(summary), nullptr, false);
    if (r.summary.is_discarded() || !r.summary.is_object()) throw UserError(summary.string() + ": not a JSON object");
  }
  const fs::path ini = fs::path(dir) / "config.ini";
  if (fs::exists(ini)) {
    r.config = parse_ini(read_file(ini), ini.string());
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
  if (run.summary.is_object() && run.summary.contains("best_dev_acc") && run.summary["best_dev_acc"].is_number() &&
      run.summary.contains("best_dev_loss") && run.summary["best_dev_loss"].is_number()) {
    acc = run.summary["best_dev_acc"].get<double>();
    loss = run.summary["best_dev_loss"].get<double>();
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

}  // namespace sst::analysis
