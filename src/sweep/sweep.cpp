// Sweep files: parsing, validation, expansion into grid points, and the sweep manifest.
#include "sweep/sweep.h"

#include <signal.h>
#include <unistd.h>
#include <boost/program_options.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
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
  };
  return k;
}

bool valid_name(const std::string& n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

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
  std::map<std::string, std::string> sweep_keys, budget_keys;
  std::string model_names;
  bool have_model_names = false;
  std::map<std::string, KeyValues> model_sections;
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
      static const std::set<std::string> known{"max_steps", "epochs", "eval_every", "patience", "checkpoint_every"};
      if (!known.count(rest))
        fail("unknown key '" + key +
             "' (known in [budget]: max_steps, epochs, eval_every, patience, checkpoint_every)");
      budget_keys[rest] = value;
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
      if (tkey.find('.') == std::string::npos) tkey = "model." + tkey;
      if (!valid_trainer_key(tkey))
        fail("unknown key '" + key + "' in [model." + name + "] (model names are letters, digits, '_' or '-')");
      if (auto r = reserved_keys().find(tkey); r != reserved_keys().end())
        fail("'" + key + "' cannot be set per model: " + r->second);
      if (!model_sections.count(name)) model_section_order.push_back(name);
      model_sections[name].emplace_back(tkey, value);
    } else {
      fail("unknown key '" + key + "' (sections: [sweep] [models] [model.NAME] [budget] [overrides])");
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
  if (!sweep_keys.count("fractions")) fail("sweep.fractions is required (a list of data fractions in (0, 1])");
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
    spec.models.push_back(ModelSize{n, model_sections[n]});
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
  spec.budget.eval_every = int_key("eval_every", 1);
  spec.budget.patience = int_key("patience", 0);
  spec.budget.checkpoint_every = int_key("checkpoint_every", 1);
  if (budget_keys.count("epochs")) {
    double v = 0;
    if (!parse_double(budget_keys["epochs"], v) || !(v > 0))
      fail("budget.epochs = '" + budget_keys["epochs"] + "' must be a number > 0");
    spec.budget.epochs = v;
  }
  if (!spec.budget.max_steps.value_or(0) && !spec.budget.epochs)
    fail("[budget] needs max_steps > 0 or epochs (train to best dev loss: epochs as a cap, with patience)");
  return spec;
}

std::string default_sweep_dir(const SweepSpec& spec) { return "runs/sweeps/" + spec.name; }

std::vector<Point> expand(const SweepSpec& spec, const std::string& sweep_dir) {
  const std::string abs_dir = fs::absolute(sweep_dir).lexically_normal().string();
  // Budget first, then [overrides], then the model's section: later ones win, each key appears once.
  KeyValues common;
  auto set = [](KeyValues& kv, const std::string& k, const std::string& v) {
    for (auto& [key, val] : kv)
      if (key == k) {
        val = v;
        return;
      }
    kv.emplace_back(k, v);
  };
  const Budget& b = spec.budget;
  if (b.max_steps)
    set(common, "train.max_steps", std::to_string(*b.max_steps));
  else
    set(common, "train.max_steps", "0");
  if (b.epochs) set(common, "train.epochs", format_number(*b.epochs));
  if (b.eval_every) set(common, "train.eval_every", std::to_string(*b.eval_every));
  if (b.patience) set(common, "train.patience", std::to_string(*b.patience));
  if (b.checkpoint_every) set(common, "train.checkpoint_every", std::to_string(*b.checkpoint_every));
  for (const auto& [k, v] : spec.overrides) set(common, k, v);

  std::vector<Point> points;
  for (const auto& m : spec.models) {
    KeyValues keys = common;
    for (const auto& [k, v] : m.overrides) set(keys, k, v);
    for (double f : spec.fractions)
      for (int64_t seed : spec.seeds) {
        Point p;
        p.index = points.size();
        p.model = m.name;
        p.fraction = f;
        p.seed = seed;
        p.ranks = spec.ranks;
        p.run = m.name + "_f" + format_number(f) + "_s" + std::to_string(seed);
        p.run_dir = "runs/" + p.run;
        p.args = {"--config", spec.base_config};
        if (!spec.data.empty()) p.args.insert(p.args.end(), {"--data", spec.data});
        p.args.insert(p.args.end(),
                      {"--out-dir", abs_dir + "/" + p.run_dir, "--resume", "auto", "--output.run_name=" + p.run,
                       "--data.fraction=" + format_number(f), "--train.seed=" + std::to_string(seed)});
        for (const auto& [k, v] : keys) p.args.push_back("--" + k + "=" + v);
        points.push_back(std::move(p));
      }
  }
  return points;
}

json manifest_json(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<Point>& points) {
  json pts = json::array();
  for (const auto& p : points)
    pts.push_back({{"index", p.index},
                   {"run", p.run},
                   {"model", p.model},
                   {"data_fraction", p.fraction},
                   {"seed", p.seed},
                   {"ranks", p.ranks},
                   {"run_dir", p.run_dir},
                   {"args", p.args}});
  return {{"sweep_file", spec.file},
          {"sweep_hash", spec.hash},
          {"name", spec.name},
          {"data", spec.data},
          {"sweep_dir", fs::absolute(sweep_dir).lexically_normal().string()},
          {"count", points.size()},
          {"points", pts}};
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
    throw UserError(path + ": malformed JSON: " + e.what());
  }
}

void write_manifest(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<Point>& points, bool force) {
  const std::string path = sweep_dir + "/" + kManifestName;
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
