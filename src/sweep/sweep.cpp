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

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  try {
    size_t pos = 0;
    v = std::stod(s, &pos);
    return pos == s.size() && std::isfinite(v);
  } catch (...) {
    return false;
  }
}

bool parse_int(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  try {
    size_t pos = 0;
    v = std::stoll(s, &pos);
    return pos == s.size();
  } catch (...) {
    return false;
  }
}

// A trainer key "section.key": the section must be one sst-train has; the key a plain identifier.
bool valid_trainer_key(const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return false;
  const std::string section = key.substr(0, dot), name = key.substr(dot + 1);
  if (section != "data" && section != "model" && section != "train" && section != "output") return false;
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// Keys the sweep itself sets for every point (or the launcher does): they cannot be overridden.
const std::map<std::string, std::string>& reserved_keys() {
  static const std::map<std::string, std::string> k{
      {"data.path", "set it with [sweep] data (or --data)"},
      {"data.fraction", "the sweep sets it from [sweep] fractions"},
      {"train.seed", "the sweep sets it from [sweep] seeds"},
      {"output.dir", "the sweep sets it to SWEEP_DIR/runs/RUN"},
      {"output.run_name", "the sweep sets it to the point's run name"},
      {"train.threads", "the launcher sets it (cores / ranks)"},
      {"train.snapshot_budgets", "the sweep sets it for cooldown branches ([budget] cooldown_branches)"},
      {"train.branch_from", "the sweep sets it for cooldown branches ([budget] cooldown_branches)"},
  };
  return k;
}

using Fail = std::function<void(const std::string&)>;

// "1e13, 3e13": positive, distinct numbers.
std::vector<double> parse_budget_values(const std::string& key, const std::string& value, const Fail& fail) {
  std::vector<double> out;
  for (const auto& item : text::split_list(value)) {
    double v = 0;
    if (!parse_double(item, v) || !(v > 0)) fail(key + ": '" + item + "' is not a positive number");
    for (double o : out)  // run names carry the budget as compact_number: those must differ too
      if (o == v || compact_number(o) == compact_number(v)) fail(key + ": " + item + " is listed twice");
    out.push_back(v);
  }
  if (out.empty()) fail(key + " is empty");
  return out;
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

// [budget] flops / tokens / cooldown_branches, checked against the rest of the file.
void parse_budget_grid(SweepSpec& spec, std::map<std::string, std::string>& keys, const Fail& fail) {
  Budget& b = spec.budget;
  if (keys.count("flops") && keys.count("tokens")) fail("budget.flops and budget.tokens: give one budget grid");
  for (const char* k : {"flops", "tokens"}) {
    if (!keys.count(k)) continue;
    b.kind = *parse_enum<BudgetKind>(k);
    b.values = parse_budget_values(std::string("budget.") + k, keys[k], fail);
  }
  if (b.kind == BudgetKind::kNone) {
    if (keys.count("cooldown_branches")) fail("budget.cooldown_branches needs a budget grid (flops or tokens)");
    return;
  }
  const std::string grid = "budget." + budget_kind_name(b.kind);
  if (b.max_steps) fail("budget.max_steps and " + grid + " both set the run length: give one");
  if (b.epochs) fail("budget.epochs and " + grid + " both set the run length: give one");
  for (const char* k : {"train.max_steps", "train.epochs", "train.max_tokens", "train.max_flops"})
    if (!override_value(spec, k).empty()) fail("'" + std::string(k) + "' cannot be set with " + grid);
  if (b.kind == BudgetKind::kTokens)
    for (double v : b.values)
      if (v != std::floor(v)) fail(grid + ": " + format_number(v) + " is not a whole number of tokens");
  if (keys.count("cooldown_branches")) {
    const std::string& v = keys["cooldown_branches"];
    if (v != "true" && v != "false") fail("budget.cooldown_branches = '" + v + "' must be true or false");
    b.cooldown_branches = v == "true";
  }
  if (b.cooldown_branches) {
    if (b.patience.value_or(0) > 0)
      fail("budget.cooldown_branches: budget.patience must be 0 (an early stop would lose the branches' snapshots)");
    const std::string schedule = override_value(spec, "train.schedule");
    if (!schedule.empty() && schedule != "wsd")
      fail("budget.cooldown_branches needs train.schedule = wsd (it is set for every point), not '" + schedule + "'");
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

SweepSpec parse_sweep_file(const std::string& path, const std::string& data_override) {
  SweepSpec spec;
  spec.file = fs::absolute(path).lexically_normal().string();
  const std::string content = text::read_file(path, "sweep file");
  spec.hash = sha256_bytes(content);
  const fs::path dir = fs::path(spec.file).parent_path();
  const std::string where = "sweep file " + path + ": ";
  auto fail = [&](const std::string& msg) { throw UserError(where + msg); };

  // Every key arrives unregistered ("section.key" = value); the sections are validated here.
  po::options_description none;
  po::parsed_options parsed(&none);
  try {
    std::istringstream in(content);
    parsed = po::parse_config_file(in, none, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    fail(e.what());
  }
  std::map<std::string, std::string> sweep_keys, budget_keys, design_keys;
  std::string model_names;
  bool have_model_names = false;
  std::map<std::string, KeyValues> model_sections;
  std::map<std::string, std::string> model_budgets, model_epochs_scale;
  std::vector<std::string> model_section_order;
  std::set<std::string> seen;
  for (const auto& opt : parsed.options) {
    const std::string& key = opt.string_key;
    const std::string value = opt.value.empty() ? "" : text::trim(opt.value.front());
    if (!seen.insert(key).second) fail("key '" + key + "' is given twice");
    const auto dot = key.find('.');
    const std::string section = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string rest = dot == std::string::npos ? key : key.substr(dot + 1);
    if (section == "sweep") {
      static const std::set<std::string> known{"name",  "description", "base_config", "data",
                                               "ranks", "fractions",   "seeds"};
      if (!known.count(rest))
        fail("unknown key '" + key +
             "' (known in [sweep]: name, description, base_config, data, ranks, fractions, seeds)");
      sweep_keys[rest] = value;
    } else if (section == "models") {
      if (rest != "names") fail("unknown key '" + key + "' (the only key in [models] is names)");
      model_names = value;
      have_model_names = true;
    } else if (section == "budget") {
      static const std::set<std::string> known{"max_steps",        "epochs", "eval_every", "patience",
                                               "checkpoint_every", "flops",  "tokens",     "cooldown_branches"};
      if (!known.count(rest))
        fail("unknown key '" + key +
             "' (known in [budget]: max_steps, epochs, eval_every, patience, checkpoint_every, flops, tokens, "
             "cooldown_branches)");
      budget_keys[rest] = value;
    } else if (section == "design") {
      design_keys[rest] = value;  // checked by parse_design (design.cpp)
    } else if (section == "overrides") {
      if (!valid_trainer_key(rest))
        fail("unknown key '" + key +
             "': [overrides] takes sst-train keys SECTION.KEY with SECTION one of data, model, "
             "train, output");
      if (auto r = reserved_keys().find(rest); r != reserved_keys().end())
        fail("'" + key + "' cannot be overridden: " + r->second);
      spec.overrides.emplace_back(rest, value);
    } else if (section == "model") {
      const auto dot2 = rest.find('.');
      if (dot2 == std::string::npos) fail("unknown key '" + key + "' (model sections are named [model.NAME])");
      const std::string name = rest.substr(0, dot2);
      std::string tkey = rest.substr(dot2 + 1);
      if (tkey == "budgets" || tkey == "epochs_scale") {  // sweep keys of this size, not sst-train keys
        if (!model_sections.count(name)) model_section_order.push_back(name);
        model_sections[name];
        (tkey == "budgets" ? model_budgets : model_epochs_scale)[name] = value;
        continue;
      }
      if (tkey.find('.') == std::string::npos) tkey = "model." + tkey;
      if (!valid_trainer_key(tkey))
        fail("unknown key '" + key + "' in [model." + name + "] (model names are letters, digits, '_' or '-')");
      if (auto r = reserved_keys().find(tkey); r != reserved_keys().end())
        fail("'" + key + "' cannot be set per model: " + r->second);
      if (!model_sections.count(name)) model_section_order.push_back(name);
      model_sections[name].emplace_back(tkey, value);
    } else {
      fail("unknown key '" + key + "' (sections: [sweep] [models] [model.NAME] [budget] [design] [overrides])");
    }
  }

  // [sweep]
  spec.name = sweep_keys.count("name") ? sweep_keys["name"] : fs::path(spec.file).stem().string();
  if (!valid_name(spec.name)) fail("sweep.name '" + spec.name + "' must be letters, digits, '_' or '-'");
  if (!sweep_keys.count("base_config") || sweep_keys["base_config"].empty())
    fail("sweep.base_config is required (an sst-train config, relative to the sweep file)");
  spec.base_config = absolute_normal(sweep_keys["base_config"], dir);
  if (!fs::is_regular_file(spec.base_config)) fail("sweep.base_config: " + spec.base_config + " not found");
  if (!data_override.empty())
    spec.data = fs::absolute(data_override).lexically_normal().string();
  else if (sweep_keys.count("data") && !sweep_keys["data"].empty())
    spec.data = absolute_normal(sweep_keys["data"], dir);
  if (sweep_keys.count("ranks")) {
    int64_t r = 0;
    if (!parse_int(sweep_keys["ranks"], r) || r < 1 || r > 100000)
      fail("sweep.ranks = '" + sweep_keys["ranks"] + "' must be a positive integer");
    spec.ranks = static_cast<int>(r);
  }
  const bool budget_grid = budget_keys.count("flops") || budget_keys.count("tokens");
  if (!sweep_keys.count("fractions") && !budget_grid)
    fail("sweep.fractions is required (a list of data fractions in (0, 1])");
  spec.fractions_given = sweep_keys.count("fractions") > 0;
  if (!spec.fractions_given) sweep_keys["fractions"] = "1";  // a budget grid cycles all the data by default
  for (const auto& f : text::split_list(sweep_keys["fractions"])) {
    double v = 0;
    const auto slash = f.find('/');
    bool ok;
    if (slash != std::string::npos) {
      double a = 0, b = 0;
      ok = parse_double(f.substr(0, slash), a) && parse_double(f.substr(slash + 1), b) && b != 0;
      v = ok ? a / b : 0;
    } else {
      ok = parse_double(f, v);
    }
    if (!ok) fail("sweep.fractions: '" + f + "' is not a number (write 0.25 or 1/4)");
    if (!(v > 0 && v <= 1)) fail("sweep.fractions: " + f + " is outside (0, 1]");
    for (double o : spec.fractions)
      if (o == v) fail("sweep.fractions: " + f + " is listed twice");
    spec.fractions.push_back(v);
  }
  if (spec.fractions.empty()) fail("sweep.fractions is empty");
  if (!sweep_keys.count("seeds")) fail("sweep.seeds is required (a list of train.seed values)");
  for (const auto& s : text::split_list(sweep_keys["seeds"])) {
    int64_t v = 0;
    if (!parse_int(s, v) || v < 0) fail("sweep.seeds: '" + s + "' is not a non-negative integer");
    for (int64_t o : spec.seeds)
      if (o == v) fail("sweep.seeds: " + s + " is listed twice");
    spec.seeds.push_back(v);
  }
  if (spec.seeds.empty()) fail("sweep.seeds is empty");

  // [models] and [model.NAME]
  if (!have_model_names) fail("models.names is required (e.g. names = xs, s with sections [model.xs] [model.s])");
  for (const auto& n : text::split_list(model_names)) {
    if (!valid_name(n)) fail("models.names: '" + n + "' must be letters, digits, '_' or '-'");
    for (const auto& m : spec.models)
      if (m.name == n) fail("models.names: '" + n + "' is listed twice");
    if (!model_sections.count(n))
      fail("unknown model name '" + n + "': no [model." + n + "] section (or it is empty: give it at least one key)");
    spec.models.push_back(ModelSize{n, model_sections[n], {}});
    if (model_budgets.count(n)) {
      if (!budget_grid) fail("model." + n + ".budgets needs a budget grid ([budget] flops or tokens)");
      spec.models.back().budgets = parse_budget_values("model." + n + ".budgets", model_budgets[n], fail);
    }
    if (model_epochs_scale.count(n)) {
      double v = 0;
      if (!parse_double(model_epochs_scale[n], v) || !(v > 0) || !std::isfinite(v))
        fail("model." + n + ".epochs_scale = '" + model_epochs_scale[n] + "' must be a number > 0");
      spec.models.back().epochs_scale = v;
    }
  }
  if (spec.models.empty()) fail("models.names is empty");
  for (const auto& n : model_section_order) {
    bool listed = false;
    for (const auto& m : spec.models) listed = listed || m.name == n;
    if (!listed) fail("section [model." + n + "] is not listed in models.names");
  }

  // [budget]
  auto int_key = [&](const char* k, int64_t min) -> std::optional<int64_t> {
    if (!budget_keys.count(k)) return std::nullopt;
    int64_t v = 0;
    if (!parse_int(budget_keys[k], v) || v < min)
      fail(std::string("budget.") + k + " = '" + budget_keys[k] + "' must be an integer >= " + std::to_string(min));
    return v;
  };
  spec.budget.max_steps = int_key("max_steps", 0);
  if (budget_keys.count("eval_every") && text::split_list(budget_keys["eval_every"]).size() > 1) {
    for (const auto& item : text::split_list(budget_keys["eval_every"])) {
      int64_t v = 0;
      if (!parse_int(item, v) || v < 1) fail("budget.eval_every: '" + item + "' must be an integer >= 1");
      spec.budget.eval_every_per_fraction.push_back(v);
    }
    if (spec.budget.eval_every_per_fraction.size() != spec.fractions.size())
      fail("budget.eval_every lists " + std::to_string(spec.budget.eval_every_per_fraction.size()) + " values for " +
           std::to_string(spec.fractions.size()) + " fractions (give one, or one per fraction)");
    spec.budget.eval_every = spec.budget.eval_every_per_fraction.front();
  } else {
    spec.budget.eval_every = int_key("eval_every", 1);
  }
  spec.budget.patience = int_key("patience", 0);
  spec.budget.checkpoint_every = int_key("checkpoint_every", 1);
  if (budget_keys.count("epochs")) {
    const auto items = text::split_list(budget_keys["epochs"]);
    std::vector<double> values;
    for (const auto& item : items) {
      double v = 0;
      if (!parse_double(item, v) || !(v > 0)) fail("budget.epochs: '" + item + "' must be a number > 0");
      values.push_back(v);
    }
    if (values.empty()) fail("budget.epochs is empty");
    if (values.size() > 1 && values.size() != spec.fractions.size())
      fail("budget.epochs lists " + std::to_string(values.size()) + " values for " +
           std::to_string(spec.fractions.size()) + " fractions (give one, or one per fraction)");
    spec.budget.epochs = values.front();
    if (values.size() > 1) spec.budget.epochs_per_fraction = values;
  }
  parse_budget_grid(spec, budget_keys, fail);
  for (const auto& m : spec.models)
    if (model_epochs_scale.count(m.name) && !spec.budget.epochs)
      fail("model." + m.name + ".epochs_scale needs [budget] epochs (it scales them)");
  if (!spec.budget.max_steps.value_or(0) && !spec.budget.epochs && spec.budget.kind == BudgetKind::kNone)
    fail(
        "[budget] needs max_steps > 0, epochs (train to best dev loss: epochs as a cap, with patience), or a "
        "budget grid (flops = C1, C2, ... or tokens = T1, T2, ...)");
  if (!design_keys.empty()) spec.design = parse_design(design_keys, spec, fail);
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
