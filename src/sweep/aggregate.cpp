// Run states of a sweep (done / running / failed / missing), aggregation of summary.json files into
// sweep.csv, and progress with an ETA.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/files.h"
#include "common/text.h"
#include "sweep/sweep.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::sweep {

// ---- run states --------------------------------------------------------------------------------------
namespace {

// The summary of a finished run; nullopt for none, an unfinished one, or one that cannot be read
// (being written by an old non-atomic writer, or damaged): such a run is not finished.
std::optional<rundir::RunSummary> finished_summary(const rundir::RunDir& dir) {
  try {
    auto summary = rundir::read_summary(dir);
    if (summary && rundir::is_finished(summary->status)) return summary;
  } catch (const UserError&) {
  }
  return std::nullopt;
}

std::string this_host() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  std::string h(buf);
  return h.substr(0, h.find('.'));
}

// The start time of process `pid` (field 22 of /proc/PID/stat, clock ticks since boot), "" if none. The
// command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
std::string proc_start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && (rest >> field); ++i) {
    if (i == 22) return field;
  }
  return "";
}

// "HOST PID START [JOBID]" (launch/sweep.sh, slurm/job_common.sh; START as in /proc/PID/stat): live
// unless it names this host and a process that no longer exists, or one that started at another time
// (the PID was reused). An older marker without START ("HOST PID [JOBID]") is judged by the PID alone.
bool marker_live(const std::string& marker) {
  std::ifstream in(marker);
  if (!in) return false;
  std::string host, start;
  long pid = 0;
  in >> host >> pid >> start;
  if (host.empty() || pid <= 0) return true;  // unreadable: assume a launcher owns it
  if (host.substr(0, host.find('.')) != this_host()) return true;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const std::string now = proc_start_time(pid);
  const bool has_start = !start.empty() && start.find_first_not_of("0123456789") == std::string::npos;
  return !has_start || now.empty() || now == start;
}

bool has_checkpoint(const rundir::RunDir& run_dir) {
  std::error_code ec;
  if (!fs::is_directory(run_dir.checkpoints(), ec)) return false;
  for (const auto& e : fs::directory_iterator(run_dir.checkpoints(), ec))
    if (rundir::RunDir::step_of_checkpoint_name(e.path().filename().string())) return true;
  return false;
}

std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_float()) return format_number(v.get<double>());
  if (v.is_number()) return v.dump();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

RunState run_state(const std::string& sweep_dir, const json& point) {
  RunState s;
  s.run = point.value("run", "");
  s.model = point.value("model", "");
  s.index = point.value("index", size_t{0});
  s.parent = point.value("parent", "");
  const rundir::RunDir dir((fs::path(sweep_dir) / point.value("run_dir", "runs/" + s.run)).string());
  s.dir = dir.root();
  s.summary = finished_summary(dir);
  if (s.summary) {
    s.status = s.summary->status;
    return s;
  }
  using rundir::RunStatus;
  if (fs::exists(dir.running_marker()) && marker_live(dir.running_marker()))
    s.status = RunStatus::kRunning;
  else if (fs::exists(dir.failed_marker()))
    s.status = RunStatus::kFailed;
  else if (has_checkpoint(dir))
    s.status = RunStatus::kInterrupted;
  else
    s.status = RunStatus::kMissing;
  return s;
}

std::vector<RunState> run_states(const std::string& sweep_dir, const json& manifest) {
  std::vector<RunState> v;
  for (const auto& p : manifest.at("points")) v.push_back(run_state(sweep_dir, p));
  return v;
}

std::string launcher_action(const std::vector<RunState>& states, size_t i) {
  const RunState& s = states.at(i);
  if (s.finished()) return "skip";
  if (s.status == rundir::RunStatus::kRunning) return "busy";
  if (!s.parent.empty())
    for (const auto& p : states)
      if (p.run == s.parent && !p.finished()) return "wait";
  return "run";
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> c{"run",
                                          "model",
                                          "params",
                                          "non_embedding_params",
                                          "data_fraction",
                                          "train_tokens",
                                          "tokens_processed",
                                          "flops",
                                          "best_dev_loss",
                                          "best_dev_acc",
                                          "epochs",
                                          "wall_s",
                                          "world_size",
                                          "status",
                                          "seed",
                                          "steps",
                                          "tokens_at_best",
                                          "flops_at_best",
                                          "lr_at_best",
                                          "schedule",
                                          "budget",
                                          "budget_tokens",
                                          "budget_flops",
                                          "parent",
                                          "branch_step",
                                          "flops_spent",
                                          "d_model",
                                          "layers",
                                          "heads",
                                          "ff_dim",
                                          "max_len",
                                          "dropout",
                                          "global_batch",
                                          "lr",
                                          "warmup_steps",
                                          "weight_decay"};
  return c;
}

namespace {

// A hyperparameter column and the config.ini key it is read from.
struct HyperColumn {
  const char* column;
  const char* ini_key;
};
constexpr HyperColumn kHyperColumns[] = {{"d_model", "model.d_model"},
                                         {"layers", "model.layers"},
                                         {"heads", "model.heads"},
                                         {"ff_dim", "model.ff_dim"},
                                         {"max_len", "model.max_len"},
                                         {"dropout", "model.dropout"},
                                         {"global_batch", "train.global_batch"},
                                         {"lr", "train.lr"},
                                         {"warmup_steps", "train.warmup_steps"},
                                         {"weight_decay", "train.weight_decay"}};

const HyperColumn* hyper_column(const std::string& c) {
  for (const auto& h : kHyperColumns)
    if (c == h.column) return &h;
  return nullptr;
}

// The run's config.ini, empty when it has none.
text::IniEntries run_config(const RunState& s) {
  if (s.dir.empty()) return {};
  const std::string path = rundir::RunDir(s.dir).config_ini();
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  return text::read_ini_file(path);
}

// config.ini's value, else summary.json's ([model] fields are under "model").
std::string hyper_cell(const HyperColumn& h, const text::IniEntries& config, const json& sum) {
  std::string v = text::ini_value(config, h.ini_key);  // not const: returned by move
  if (!v.empty()) return v;
  const std::string key(h.ini_key);
  const std::string field = key.substr(key.find('.') + 1);
  if (key.rfind("model.", 0) == 0 && sum.contains("model") && sum["model"].contains(field))
    return cell(sum["model"][field]);
  return sum.contains(field) ? cell(sum[field]) : "";
}

}  // namespace

std::string csv_text(const std::vector<RunState>& states, const json& manifest, bool finished_only) {
  std::ostringstream os;
  const auto& cols = csv_columns();
  for (size_t i = 0; i < cols.size(); ++i) os << (i ? "," : "") << cols[i];
  os << "\n";
  const json& points = manifest.at("points");
  for (size_t r = 0; r < states.size(); ++r) {
    const RunState& s = states[r];
    if (finished_only && !s.finished()) continue;
    const json& p = points.at(r);
    const json sum = s.summary ? rundir::to_json(*s.summary) : json::object();
    const text::IniEntries config = run_config(s);
    std::vector<std::string> row;
    for (const auto& c : cols) {
      if (const HyperColumn* h = hyper_column(c))
        row.push_back(hyper_cell(*h, config, sum));
      else if (c == "run")
        row.push_back(s.run);
      else if (c == "model")
        row.push_back(s.model);
      else if (c == "status")
        row.push_back(rundir::to_string(s.status));
      else if (c == "data_fraction" || c == "seed")
        row.push_back(cell(sum.contains(c) ? sum[c] : p.value(c, json())));
      else if (c == "budget" || c == "parent")  // the point's, from the manifest
        row.push_back(cell(p.value(c, json())));
      else
        row.push_back(sum.contains(c) ? cell(sum[c]) : "");
    }
    for (size_t i = 0; i < row.size(); ++i) os << (i ? "," : "") << csv_field(row[i]);
    os << "\n";
  }
  return os.str();
}

std::string aggregate(const std::string& sweep_dir, const std::string& output, bool finished_only) {
  const json manifest = read_manifest(sweep_dir);
  const auto states = run_states(sweep_dir, manifest);
  std::string path = output.empty() ? sweep_dir + "/" + kCsvName : output;
  // Outputs never replace inputs: `--output SWEEP_DIR/sweep_manifest.json` (or a run's summary.json).
  std::vector<std::string> inputs = {sweep_dir + "/" + kManifestName};
  for (const auto& point : manifest.value("points", json::array())) {
    const rundir::RunDir dir((fs::path(sweep_dir) / point.value("run_dir", "runs/" + point.value("run", ""))).string());
    for (const auto& file : {dir.summary(), dir.running_marker(), dir.failed_marker(), dir.config_ini(), dir.metrics()})
      inputs.push_back(file);
  }
  refuse_output_over_input(path, inputs, "--output " + path);
  write_text_atomically(path, csv_text(states, manifest, finished_only));
  return path;
}

Progress progress(const std::vector<RunState>& states, int parallel) {
  Progress p;
  p.total = states.size();
  std::map<std::string, std::pair<double, int>> by_model;
  double sum = 0;
  for (const auto& s : states) {
    if (s.finished()) {
      ++p.done;
      const double w = s.summary->wall_s;
      sum += w;
      by_model[s.model].first += w;
      by_model[s.model].second += 1;
    } else if (s.status == rundir::RunStatus::kRunning) {
      ++p.running;
    } else {
      ++p.left;
      if (s.status == rundir::RunStatus::kFailed) ++p.failed;
    }
  }
  if (p.done == 0) return p;
  p.mean_wall_s = sum / static_cast<double>(p.done);
  double work = 0;
  for (const auto& s : states) {
    if (s.finished()) continue;
    auto it = by_model.find(s.model);
    const double est = it != by_model.end() ? it->second.first / it->second.second : p.mean_wall_s;
    work += s.status == rundir::RunStatus::kRunning ? est / 2 : est;
  }
  const int k = parallel > 0 ? parallel : std::max<int>(1, static_cast<int>(p.running));
  p.eta_s = work / k;
  return p;
}

std::string progress_line(const Progress& p) {
  auto hms = [](double s) {
    const long t = std::lround(s);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    return std::string(buf);
  };
  std::ostringstream os;
  os << p.done << "/" << p.total << " done, " << p.running << " running, " << p.left << " left";
  if (p.failed) os << " (" << p.failed << " failed)";
  if (p.eta_s)
    os << ", ETA " << hms(*p.eta_s) << " (mean run " << hms(p.mean_wall_s) << ")";
  else if (p.done < p.total)
    os << ", ETA unknown (no finished run yet)";
  return os.str();
}

}  // namespace sst::sweep
