#include "rundir/summary.h"

#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"
#include "common/text.h"

using nlohmann::json;

namespace sst::rundir {
namespace {

// One visitor over the fields keeps their names, order and types in one place: `f(key, field)`.
template <typename Summary, typename F>
void for_each_field(Summary& s, F&& f) {
  f("run_name", s.run_name);
  f("status", s.status);
  f("steps", s.steps);
  f("epochs", s.epochs);
  f("params", s.params);
  f("non_embedding_params", s.non_embedding_params);
  f("embedding_params", s.embedding_params);
  f("data_fraction", s.data_fraction);
  f("train_examples", s.train_examples);
  f("train_tokens", s.train_tokens);
  f("tokens_processed", s.tokens_processed);
  f("examples_processed", s.examples_processed);
  f("flops", s.flops);
  f("best_dev_loss", s.best_dev_loss);
  f("best_dev_acc", s.best_dev_acc);
  f("best_step", s.best_step);
  f("tokens_at_best", s.tokens_at_best);
  f("flops_at_best", s.flops_at_best);
  f("lr_at_best", s.lr_at_best);
  f("schedule", s.schedule);
  f("budget_tokens", s.budget_tokens);
  f("budget_flops", s.budget_flops);
  f("branch_step", s.branch_step);
  f("flops_spent", s.flops_spent);
  f("final_dev_loss", s.final_dev_loss);
  f("final_dev_acc", s.final_dev_acc);
  f("final_train_loss", s.final_train_loss);
  f("skipped_steps", s.skipped_steps);
  f("wall_s", s.wall_s);
  f("world_size", s.world_size);
  f("threads_per_rank", s.threads_per_rank);
  f("device", s.device);
  f("backend", s.backend);
  f("optimizer", s.optimizer);
  f("optimizer_state_bytes_per_rank", s.optimizer_state_bytes_per_rank);
  f("sparse_embedding_steps", s.sparse_embedding_steps);
  f("sparse_counts_apart", s.sparse_counts_apart);
  f("seed", s.seed);
  f("global_batch", s.global_batch);
  f("model", s.model);
  f("data", s.data);
  f("versions", s.versions);
}

json value_json(const RunStatus& v) { return to_string(v); }
json value_json(const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }
template <typename T>
json value_json(const T& v) {
  return v;
}

void read_value(const json& j, RunStatus& v) {
  auto s = parse_status(j.get<std::string>());
  if (!s) throw json::type_error::create(302, "unknown status '" + j.get<std::string>() + "'", &j);
  v = *s;
}
void read_value(const json& j, std::optional<double>& v) {
  if (j.is_null())
    v.reset();
  else
    v = j.get<double>();
}
template <typename T>
void read_value(const json& j, T& v) {
  v = j.get<T>();
}

}  // namespace

json to_json(const RunSummary& s) {
  json j = json::object();
  for_each_field(s, [&](const char* key, const auto& field) { j[key] = value_json(field); });
  return j;
}

RunSummary summary_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw UserError(source + ": not a JSON object");
  RunSummary s;
  for_each_field(s, [&](const char* key, auto& field) {
    auto it = j.find(key);
    if (it == j.end()) return;
    try {
      read_value(*it, field);
    } catch (const json::exception& e) {
      throw UserError(source + ": field \"" + key + "\" has an unexpected value (" + it->dump() + ")");
    }
  });
  return s;
}

std::optional<RunSummary> read_summary(const RunDir& dir) {
  const std::string path = dir.summary();
  if (!std::filesystem::exists(path)) return std::nullopt;
  json j = json::parse(text::read_file(path, "summary"), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw UserError(path + ": not valid JSON");
  return summary_from_json(j, path);
}

void write_summary(const RunDir& dir, const RunSummary& s) {
  write_text_atomically(dir.summary(), to_json(s).dump(2) + "\n");
}

std::vector<std::string> summary_keys() {
  std::vector<std::string> keys;
  RunSummary s;
  for_each_field(s, [&](const char* key, const auto&) { keys.push_back(key); });
  return keys;
}

}  // namespace sst::rundir
