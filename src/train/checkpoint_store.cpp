#include "train/checkpoint_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.h"
#include "common/files.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst {
namespace {

// The step checkpoints in `dir` as (step, file name), oldest first.
std::vector<std::pair<int64_t, std::string>> step_files(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (auto step = rundir::RunDir::step_of_checkpoint_name(name); step && it->is_regular_file(ec))
      out.emplace_back(*step, name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The manifest's entries by file name; an unreadable or unparsable manifest reads as none, described in
// *problem.
std::map<std::string, json> read_manifest(const std::string& path, std::string* problem) {
  std::map<std::string, json> entries;
  std::ifstream in(path);
  if (!in) return entries;
  json m;
  try {
    m = json::parse(in);
    for (const auto& e : m.at("checkpoints")) entries[e.at("file").get<std::string>()] = e;
    if (m.contains("best")) entries[m["best"].at("file").get<std::string>()] = m["best"];
  } catch (const json::exception&) {
    if (problem) *problem = "manifest " + path + " cannot be parsed; the checkpoints are verified by their own digests";
    entries.clear();
  }
  return entries;
}

json entry_for(const std::string& dir, const std::string& file, int64_t step) {
  const std::string path = dir + "/" + file;
  return {{"file", file}, {"step", step}, {"sha256", sha256_file(path)}, {"bytes", fs::file_size(path)}};
}

// A file the manifest does not know (the manifest was lost) is listed once it verifies by itself.
// step < 0: read it from the file.
std::optional<json> known_or_verified(const std::string& dir, const std::string& file, int64_t step,
                                      const std::map<std::string, json>& known) {
  if (auto it = known.find(file); it != known.end()) return it->second;
  const std::string path = dir + "/" + file;
  try {
    if (verify_checkpoint(path) == CheckpointIntegrity::kVerified)
      return entry_for(dir, file, step >= 0 ? step : read_checkpoint_meta(path).state.step);
  } catch (const UserError&) {
    // damaged: left on disk for the user to see, not listed
  }
  return std::nullopt;
}

}  // namespace

CheckpointStore::CheckpointStore(const rundir::RunDir& run_dir, int64_t keep)
    : dir_(run_dir.checkpoints()),
      manifest_(run_dir.manifest()),
      best_name_(fs::path(run_dir.best_checkpoint()).filename().string()),
      keep_(keep) {}

std::string CheckpointStore::save_named(const std::string& file, int64_t step, TransformerClassifier& model,
                                        Optimizer& opt, const CheckpointMeta& meta, TransformerClassifier average,
                                        bool rotate) {
  ensure_writable_dir(dir_);
  std::string path = dir_ + "/" + file;  // not const: returned by move
  save_checkpoint(path, model, &opt, meta, average);
  auto known = read_manifest(manifest_, nullptr);
  known[file] = entry_for(dir_, file, step);
  auto steps = step_files(dir_);
  if (rotate) {
    // Files of later steps are from before a resume to an older checkpoint: left alone (training
    // overwrites them when it gets there), and they do not count against `keep`.
    std::vector<std::pair<int64_t, std::string>> up_to_now;
    for (const auto& s : steps)
      if (s.first <= step) up_to_now.push_back(s);
    for (size_t i = 0; i + keep_ < up_to_now.size(); ++i) {
      std::error_code ec;
      fs::remove(dir_ + "/" + up_to_now[i].second, ec);
    }
    steps = step_files(dir_);
  }
  json manifest = {{"checkpoints", json::array()}};
  for (const auto& [s, name] : steps)
    if (auto e = known_or_verified(dir_, name, s, known)) manifest["checkpoints"].push_back(*e);
  if (fs::exists(dir_ + "/" + best_name_))
    if (auto e = known_or_verified(dir_, best_name_, rotate ? -1 : step, known)) manifest["best"] = *e;
  write_text_atomically(manifest_, manifest.dump(2) + "\n");
  return path;
}

std::string CheckpointStore::save_step(TransformerClassifier& model, Optimizer& opt, const CheckpointMeta& meta,
                                       TransformerClassifier average) {
  return save_named(rundir::RunDir::step_checkpoint_name(meta.state.step), meta.state.step, model, opt, meta, average,
                    /*rotate=*/true);
}

std::string CheckpointStore::save_best(TransformerClassifier& model, Optimizer& opt, const CheckpointMeta& meta,
                                       TransformerClassifier average) {
  return save_named(best_name_, meta.state.step, model, opt, meta, average, /*rotate=*/false);
}

std::optional<std::string> CheckpointStore::newest_valid(std::vector<std::string>& problems) const {
  std::string manifest_problem;
  const auto known = read_manifest(manifest_, &manifest_problem);
  if (!manifest_problem.empty()) problems.push_back(manifest_problem);
  for (const auto& [file, entry] : known)
    if (!fs::exists(dir_ + "/" + file))
      problems.push_back(dir_ + "/" + file + " is listed in the manifest but missing");

  auto usable = [&](const std::string& file) {
    const std::string path = dir_ + "/" + file;
    try {
      if (verify_checkpoint(path) == CheckpointIntegrity::kVerified) return true;
      auto it = known.find(file);  // format 1: only the manifest's hash vouches for it
      if (it == known.end()) {
        problems.push_back(path + " carries no digest of its own (an older format) and is not in the manifest");
        return false;
      }
      if (sha256_file(path) != it->second.value("sha256", "")) {
        problems.push_back(path + " is damaged (SHA-256 differs from the manifest)");
        return false;
      }
      return true;
    } catch (const UserError& e) {
      problems.push_back(e.what());
      return false;
    }
  };
  auto steps = step_files(dir_);
  for (auto it = steps.rbegin(); it != steps.rend(); ++it)
    if (usable(it->second)) return dir_ + "/" + it->second;
  // No step checkpoint (killed before the first one, or all damaged): best.pt is a whole checkpoint too.
  if (fs::exists(dir_ + "/" + best_name_) && usable(best_name_)) return dir_ + "/" + best_name_;
  return std::nullopt;
}

bool CheckpointStore::has_checkpoints() const {
  return !step_files(dir_).empty() || fs::exists(dir_ + "/" + best_name_);
}

}  // namespace sst
