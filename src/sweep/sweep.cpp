// Sweep files: parsing, validation, expansion into grid points, and the sweep manifest.
#include "sweep/sweep.h"

#include <signal.h>
#include <unistd.h>
#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/files.h"
#include "common/text.h"
#include "sweep/sweep_keys.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::sweep {
namespace {

std::string absolute_normal(const std::string& p, const fs::path& base) {
  fs::path path(p);
  if (path.is_relative()) path = base / path;
  return path.lexically_normal().string();
}

// A budget list ("1e13, 3e13", already parsed as numbers > 0): its values distinct.
std::vector<double> budget_values(const std::string& key, const Value& v, const SweepErrors& errors) {
  std::vector<double> out;
  for (double x : v.numbers) {
    for (double o : out)  // run names carry the budget as compact_number: those must differ too
      if (o == x || compact_number(o) == compact_number(x))
        errors.fail(v, key + ": " + compact_number(x) + " is listed twice");
    out.push_back(x);
  }
  return out;
}

const Value* find(const Section& s, const std::string& key) {
  const auto it = s.find(key);
  return it == s.end() ? nullptr : &it->second;
}

// A key set in [overrides] or any model section (the value of the last one found; "" if none).
std::string override_value(const SweepSpec& spec, const std::string& key) {
  std::string v;
  for (const auto& [k, val] : spec.overrides)
    if (k == key) v = val;
  for (const auto& m : spec.models)
    for (const auto& [k, val] : m.overrides)
      if (k == key) v = val;
  return v;
}

KeyValues texts(const TrainerKeys& keys) {
  KeyValues out;
  for (const auto& [k, v] : keys) out.emplace_back(k, v.text);
  return out;
}

// [budget] flops / tokens / cooldown_branches, checked against the rest of the file.
void parse_budget_grid(SweepSpec& spec, const Section& keys, const SweepErrors& errors) {
  Budget& b = spec.budget;
  if (keys.count("flops") && keys.count("tokens"))
    errors.fail(keys.at("tokens"), "budget.flops and budget.tokens: give one budget grid");
  for (const char* k : {"flops", "tokens"}) {
    if (!keys.count(k)) continue;
    b.kind = *parse_enum<BudgetKind>(k);
    b.values = budget_values(std::string("budget.") + k, keys.at(k), errors);
  }
  const Value* branches = find(keys, "cooldown_branches");
  if (b.kind == BudgetKind::kNone) {
    if (branches) errors.fail(*branches, "budget.cooldown_branches needs a budget grid (flops or tokens)");
    return;
  }
  const std::string grid = "budget." + budget_kind_name(b.kind);
  if (b.max_steps)
    errors.fail(keys.at("max_steps"), "budget.max_steps and " + grid + " both set the run length: give one");
  if (b.epochs) errors.fail(keys.at("epochs"), "budget.epochs and " + grid + " both set the run length: give one");
  for (const char* k : {"train.max_steps", "train.epochs", "train.max_tokens", "train.max_flops"})
    if (!override_value(spec, k).empty()) errors.fail("'" + std::string(k) + "' cannot be set with " + grid);
  if (b.kind == BudgetKind::kTokens)
    for (double v : b.values)
      if (v != std::floor(v))
        errors.fail(keys.at("tokens"), grid + ": " + format_number(v) + " is not a whole number of tokens");
  b.cooldown_branches = branches && branches->flag;
  if (b.cooldown_branches) {
    if (b.patience.value_or(0) > 0)
      errors.fail(*branches,
                  "budget.cooldown_branches: budget.patience must be 0 (an early stop would lose the branches' "
                  "snapshots)");
    const std::string schedule = override_value(spec, "train.schedule");
    if (!schedule.empty() && schedule != "wsd")
      errors.fail(*branches, "budget.cooldown_branches needs train.schedule = wsd (it is set for every point), not '" +
                                 schedule + "'");
  }
}

bool valid_name(const std::string& n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

std::string compact_number(double v) {
  char buf[64];
  if (!(std::fabs(v) >= 1e4)) {  // small budgets as plain numbers: "1500", "0.0025"
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }
  // "5e5", "3.2e14": the mantissa without trailing zeros, the exponent without '+' or leading zeros.
  std::snprintf(buf, sizeof buf, "%.5e", v);
  std::string s = buf;
  const auto e = s.find('e');
  std::string mantissa = s.substr(0, e);
  while (mantissa.back() == '0') mantissa.pop_back();
  if (mantissa.back() == '.') mantissa.pop_back();
  return mantissa + "e" + std::to_string(std::atoi(s.c_str() + e + 1));
}

std::string format_number(double v) {
  char buf[64];
  if (std::floor(v) == v && std::fabs(v) < 1e16) {  // integral: no exponent ("10", not "1e+01")
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string shell_quote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("-_./=:,+@%").find(c) != std::string::npos))
      plain = false;
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

namespace {

// [sweep]
void parse_sweep_section(SweepSpec& spec, const SweepSections& f, const std::string& data_override,
                         const SweepErrors& errors) {
  const fs::path dir = fs::path(spec.file).parent_path();
  const Section& keys = f.sweep;
  const Value* name = find(keys, "name");
  spec.name = name ? name->text : fs::path(spec.file).stem().string();
  if (!valid_name(spec.name)) {
    const std::string msg = "sweep.name '" + spec.name + "' must be letters, digits, '_' or '-'";
    name ? errors.fail(*name, msg) : errors.fail(msg);
  }
  const Value* base = find(keys, "base_config");
  if (!base || base->text.empty())
    errors.fail("sweep.base_config is required (an sst-train config, relative to the sweep file)");
  spec.base_config = absolute_normal(base->text, dir);
  if (!fs::is_regular_file(spec.base_config))
    errors.fail(*base, "sweep.base_config: " + spec.base_config + " not found");
  if (!data_override.empty())
    spec.data = fs::absolute(data_override).lexically_normal().string();
  else if (const Value* data = find(keys, "data"); data && !data->text.empty())
    spec.data = absolute_normal(data->text, dir);
  if (const Value* ranks = find(keys, "ranks")) spec.ranks = static_cast<int>(ranks->integers.front());
  const Value* fractions = find(keys, "fractions");
  const bool budget_grid = f.budget.count("flops") || f.budget.count("tokens");
  if (!fractions && !budget_grid) errors.fail("sweep.fractions is required (a list of data fractions in (0, 1])");
  spec.fractions_given = fractions != nullptr;
  if (!fractions) spec.fractions = {1.0};  // a budget grid cycles all the data by default
  const auto items = fractions ? text::split_list(fractions->text) : std::vector<std::string>{};
  for (size_t i = 0; fractions && i < fractions->numbers.size(); ++i) {
    const double v = fractions->numbers[i];
    for (double o : spec.fractions)
      if (o == v) errors.fail(*fractions, "sweep.fractions: " + items[i] + " is listed twice");
    spec.fractions.push_back(v);
  }
  const Value* seeds = find(keys, "seeds");
  if (!seeds) errors.fail("sweep.seeds is required (a list of train.seed values)");
  for (int64_t v : seeds->integers) {
    for (int64_t o : spec.seeds)
      if (o == v) errors.fail(*seeds, "sweep.seeds: " + std::to_string(v) + " is listed twice");
    spec.seeds.push_back(v);
  }
}

// [models] and [model.NAME]
void parse_models(SweepSpec& spec, const SweepSections& f, const SweepErrors& errors) {
  const Value* names = find(f.models, "names");
  if (!names) errors.fail("models.names is required (e.g. names = xs, s with sections [model.xs] [model.s])");
  const bool budget_grid = f.budget.count("flops") || f.budget.count("tokens");
  for (const auto& n : text::split_list(names->text)) {
    if (!valid_name(n)) errors.fail(*names, "models.names: '" + n + "' must be letters, digits, '_' or '-'");
    for (const auto& m : spec.models)
      if (m.name == n) errors.fail(*names, "models.names: '" + n + "' is listed twice");
    if (!f.model_keys.count(n))
      errors.fail(*names, "unknown model name '" + n + "': no [model." + n +
                              "] section (or it is empty: give it at least one key)");
    const auto trainer = f.model_trainer.find(n);
    spec.models.push_back(ModelSize{n, trainer == f.model_trainer.end() ? KeyValues{} : texts(trainer->second), {}});
    const Section& own = f.model_keys.at(n);
    if (const Value* budgets = find(own, "budgets")) {
      if (!budget_grid) errors.fail(*budgets, "model." + n + ".budgets needs a budget grid ([budget] flops or tokens)");
      spec.models.back().budgets = budget_values("model." + n + ".budgets", *budgets, errors);
    }
    if (const Value* scale = find(own, "epochs_scale")) spec.models.back().epochs_scale = scale->numbers.front();
  }
  if (spec.models.empty()) errors.fail(*names, "models.names is empty");
  for (const auto& n : f.model_order) {
    bool listed = false;
    for (const auto& m : spec.models) listed = listed || m.name == n;
    if (!listed)
      errors.fail(f.model_keys.at(n).empty() ? *names : f.model_keys.at(n).begin()->second,
                  "section [model." + n + "] is not listed in models.names");
  }
}

// A list given once for all fractions or once per fraction.
template <class T>
void check_per_fraction(const std::string& key, const Value& v, const std::vector<T>& values, const SweepSpec& spec,
                        const SweepErrors& errors) {
  if (values.size() > 1 && values.size() != spec.fractions.size())
    errors.fail(v, key + " lists " + std::to_string(values.size()) + " values for " +
                       std::to_string(spec.fractions.size()) + " fractions (give one, or one per fraction)");
}

// [budget]
void parse_budget(SweepSpec& spec, const SweepSections& f, const SweepErrors& errors) {
  const Section& keys = f.budget;
  auto integer = [&](const char* k) -> std::optional<int64_t> {
    const Value* v = find(keys, k);
    return v ? std::optional<int64_t>(v->integers.front()) : std::nullopt;
  };
  Budget& b = spec.budget;
  b.max_steps = integer("max_steps");
  b.patience = integer("patience");
  b.checkpoint_every = integer("checkpoint_every");
  if (const Value* every = find(keys, "eval_every")) {
    check_per_fraction("budget.eval_every", *every, every->integers, spec, errors);
    b.eval_every = every->integers.front();
    if (every->integers.size() > 1) b.eval_every_per_fraction = every->integers;
  }
  if (const Value* epochs = find(keys, "epochs")) {
    check_per_fraction("budget.epochs", *epochs, epochs->numbers, spec, errors);
    b.epochs = epochs->numbers.front();
    if (epochs->numbers.size() > 1) b.epochs_per_fraction = epochs->numbers;
  }
  parse_budget_grid(spec, keys, errors);
  for (const auto& m : spec.models)
    if (const Value* scale = find(f.model_keys.at(m.name), "epochs_scale"); scale && !b.epochs)
      errors.fail(*scale, "model." + m.name + ".epochs_scale needs [budget] epochs (it scales them)");
  if (!b.max_steps.value_or(0) && !b.epochs && b.kind == BudgetKind::kNone)
    errors.fail(
        "[budget] needs max_steps > 0, epochs (train to best dev loss: epochs as a cap, with patience), or a "
        "budget grid (flops = C1, C2, ... or tokens = T1, T2, ...)");
}

}  // namespace

SweepSpec parse_sweep_file(const std::string& path, const std::string& data_override) {
  SweepSpec spec;
  spec.file = fs::absolute(path).lexically_normal().string();
  const std::string content = text::read_file(path, "sweep file");
  spec.hash = sha256_bytes(content);
  const SweepErrors errors(path);
  const SweepSections f = read_sweep_sections(content, path, errors);
  spec.overrides = texts(f.overrides);
  parse_sweep_section(spec, f, data_override, errors);
  parse_models(spec, f, errors);
  parse_budget(spec, f, errors);
  if (!f.design.empty()) spec.design = parse_design(f.design, spec, errors);
  return spec;
}

json read_manifest(const std::string& sweep_dir) {
  const std::string path = sweep_dir + "/" + kManifestName;
  std::ifstream in(path);
  if (!in) throw UserError("no " + path + " (write it with: sst-sweep expand SWEEP.ini --sweep-dir " + sweep_dir + ")");
  try {
    json j = json::parse(in);
    if (!j.contains("points") || !j["points"].is_array()) throw UserError(path + ": no 'points' array");
    return j;
  } catch (const json::exception& e) {
    throw UserError(path + ": malformed JSON: " + e.what() +
                    " (sst-sweep expand --force, or launch/sweep.sh --force, rewrites it)");
  }
}

void write_manifest(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<Point>& points, bool force) {
  const std::string path = sweep_dir + "/" + kManifestName;
  refuse_output_over_input(path, {spec.file, spec.base_config, spec.data}, "the manifest " + path);
  if (fs::exists(path) && !force) {
    const json old = read_manifest(sweep_dir);
    if (old.value("sweep_hash", "") != spec.hash)
      throw UserError(sweep_dir + " holds a sweep made from a different sweep file content (" + path +
                      "); use another --sweep-dir, or --force to rewrite the manifest (finished runs whose names are "
                      "still in the grid are kept)");
    if (old.value("data", "") != spec.data)
      throw UserError(sweep_dir + " was expanded with data '" + old.value("data", "") + "', now '" + spec.data +
                      "'; use another --sweep-dir, or --force");
  }
  ensure_writable_dir(sweep_dir);
  write_text_atomically(path, manifest_json(spec, sweep_dir, points).dump(2) + "\n");
}

}  // namespace sst::sweep
