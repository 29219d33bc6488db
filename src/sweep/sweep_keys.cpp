// The sweep file's key tables and the per-key checks (sweep_keys.h).
#include "sweep/sweep_keys.h"

#include <cctype>
#include <optional>
#include <set>

#include "common/error.h"
#include "common/text.h"

namespace sst::sweep {
namespace {

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

// "an integer >= 1", "a number in (0, 1]"
std::string requirement(const KeySpec& k) {
  const bool integral = k.type == KeyType::kInteger || k.type == KeyType::kIntegers;
  std::string r = integral ? "an integer" : "a number";
  const std::string range = k.range.text();  // "must be >= 1" or ""
  if (!range.empty()) r += range.substr(std::string("must be").size());
  if (k.type == KeyType::kFractions) r += " (or a ratio such as 1/4)";
  return r;
}

bool parse_item(const KeySpec& k, const std::string& item, Value& v) {
  if (k.type == KeyType::kInteger || k.type == KeyType::kIntegers) {
    const auto i = text::parse_integer(item);
    if (!i || !k.range.contains(static_cast<double>(*i))) return false;
    v.integers.push_back(*i);
    return true;
  }
  std::optional<double> x;
  const auto slash = item.find('/');
  if (k.type == KeyType::kFractions && slash != std::string::npos) {
    const auto a = text::parse_number(item.substr(0, slash)), b = text::parse_number(item.substr(slash + 1));
    if (a && b && *b != 0) x = *a / *b;
  } else {
    x = text::parse_number(item);
  }
  if (!x || !k.range.contains(*x)) return false;
  v.numbers.push_back(*x);
  return true;
}

// `v` parsed as its table says; a one-line error with the line otherwise.
void parse_value(const std::string& name, const KeySpec& k, Value& v, const SweepErrors& errors) {
  if (k.type == KeyType::kText) return;
  if (k.type == KeyType::kBool) {
    if (v.text != "true" && v.text != "false") errors.fail(v, name + " = '" + v.text + "' must be true or false");
    v.flag = v.text == "true";
    return;
  }
  const bool list = k.type == KeyType::kIntegers || k.type == KeyType::kNumbers || k.type == KeyType::kFractions;
  const auto items = list ? text::split_list(v.text) : std::vector<std::string>{v.text};
  if (list && items.empty()) errors.fail(v, name + " is empty");
  for (const auto& item : items)
    if (!parse_item(k, item, v))
      errors.fail(v, items.size() == 1 ? name + " = '" + item + "' must be " + requirement(k)
                                       : name + ": '" + item + "' must be " + requirement(k));
}

std::string known_keys(const std::vector<KeySpec>& table) {
  std::string out;
  for (const auto& k : table) out += (out.empty() ? "" : ", ") + std::string(k.key);
  return out;
}

// One key of a section with a table: known, then parsed.
void add_key(Section& section, const std::string& section_name, const std::vector<KeySpec>& table,
             const std::string& key, Value v, const SweepErrors& errors) {
  const std::string name = section_name + "." + key;
  for (const auto& k : table)
    if (key == k.key) {
      parse_value(name, k, v, errors);
      section[key] = std::move(v);
      return;
    }
  errors.fail(v, "unknown key '" + name + "' (known in [" + section_name + "]: " + known_keys(table) + ")");
}

// A key of [model.NAME]: the sweep's own (budgets, epochs_scale) or an sst-train key.
void add_model_key(SweepSections& s, const std::string& key, const std::string& rest, Value v,
                   const SweepErrors& errors) {
  const auto dot = rest.find('.');
  if (dot == std::string::npos) errors.fail(v, "unknown key '" + key + "' (model sections are named [model.NAME])");
  const std::string name = rest.substr(0, dot);
  std::string tkey = rest.substr(dot + 1);
  if (!s.model_keys.count(name)) s.model_order.push_back(name);
  Section& own = s.model_keys[name];
  for (const auto& k : model_section_keys())
    if (tkey == k.key) return add_key(own, "model." + name, model_section_keys(), tkey, std::move(v), errors);
  if (tkey.find('.') == std::string::npos) tkey = "model." + tkey;
  if (!valid_trainer_key(tkey))
    errors.fail(v, "unknown key '" + key + "' in [model." + name + "] (model names are letters, digits, '_' or '-')");
  if (auto r = reserved_keys().find(tkey); r != reserved_keys().end())
    errors.fail(v, "'" + key + "' cannot be set per model: " + r->second);
  s.model_trainer[name].emplace_back(tkey, std::move(v));
}

}  // namespace

void SweepErrors::fail(const std::string& msg) const { throw UserError("sweep file " + path_ + ": " + msg); }
void SweepErrors::fail(const Value& at, const std::string& msg) const {
  throw UserError("sweep file " + path_ + ":" + std::to_string(at.line) + ": " + msg);
}

const std::vector<KeySpec>& sweep_section_keys() {
  static const std::vector<KeySpec> k{
      {"name", KeyType::kText, {}, "the sweep's name: letters, digits, '_' or '-' (default: the file's stem)"},
      {"description", KeyType::kText, {}, "free text"},
      {"base_config", KeyType::kText, {}, "the sst-train config every point starts from (relative to this file)"},
      {"data", KeyType::kText, {}, "the prepared HDF5 file (relative to this file; --data overrides it)"},
      {"ranks", KeyType::kInteger, closed(1, 100000), "MPI ranks per run"},
      {"fractions", KeyType::kFractions, left_open(0, 1), "data fractions (0.25 or 1/4)"},
      {"seeds", KeyType::kIntegers, at_least(0), "train.seed values"},
  };
  return k;
}

const std::vector<KeySpec>& models_section_keys() {
  static const std::vector<KeySpec> k{
      {"names", KeyType::kText, {}, "the model sizes, each with a [model.NAME] section"}};
  return k;
}

const std::vector<KeySpec>& budget_section_keys() {
  static const std::vector<KeySpec> k{
      {"max_steps", KeyType::kInteger, at_least(0), "optimizer steps per run"},
      {"epochs", KeyType::kNumbers, above(0), "passes over the data (one, or one per fraction)"},
      {"eval_every", KeyType::kIntegers, at_least(1), "steps between dev evaluations (one, or one per fraction)"},
      {"patience", KeyType::kInteger, at_least(0), "evaluations without a better dev loss before stopping"},
      {"checkpoint_every", KeyType::kInteger, at_least(1), "steps between checkpoints"},
      {"flops", KeyType::kNumbers, above(0), "a FLOP budget grid (C = 6 N tokens)"},
      {"tokens", KeyType::kNumbers, above(0), "a token budget grid"},
      {"cooldown_branches", KeyType::kBool, {}, "branch each budget's cooldown from one run per size"},
  };
  return k;
}

const std::vector<KeySpec>& design_section_keys() {
  static const std::vector<KeySpec> k{
      {"start", KeyType::kText, {}, "the sizes of the first wave (default: every model)"},
      {"seeds_start", KeyType::kInteger, at_least(1), "seeds of every point the planner adds"},
      {"seeds_max", KeyType::kInteger, at_least(1), "at most this many seeds per point"},
      {"separation", KeyType::kNumber, above(0), "standard errors that separate a size from a minimum"},
      {"stop", KeyType::kText, {}, "the stopping rule (bracketed)"},
      {"cap_flops", KeyType::kNumber, above(0), "the compute cap, in FLOPs trained"},
      {"bootstrap", KeyType::kInteger, closed(20, 100000), "resamples for the allocation exponent's interval"},
      {"max_waves", KeyType::kInteger, closed(1, 1000), "waves planned at most"},
  };
  return k;
}

const std::vector<KeySpec>& model_section_keys() {
  static const std::vector<KeySpec> k{
      {"budgets", KeyType::kNumbers, above(0), "this size's own budget list (else [budget]'s)"},
      {"epochs_scale", KeyType::kNumber, above(0), "this size trains this many times [budget] epochs"},
  };
  return k;
}

SweepSections read_sweep_sections(const std::string& content, const std::string& path, const SweepErrors& errors) {
  SweepSections s;
  std::set<std::string> seen;
  for (auto& e : text::parse_ini_lines(content, "sweep file " + path)) {
    const std::string& key = e.key;
    Value v{std::move(e.value), e.line, {}, {}, false};
    if (!seen.insert(key).second) errors.fail(v, "key '" + key + "' is given twice");
    const auto dot = key.find('.');
    const std::string section = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string rest = dot == std::string::npos ? key : key.substr(dot + 1);
    if (section == "sweep") {
      add_key(s.sweep, section, sweep_section_keys(), rest, std::move(v), errors);
    } else if (section == "models") {
      add_key(s.models, section, models_section_keys(), rest, std::move(v), errors);
    } else if (section == "budget") {
      add_key(s.budget, section, budget_section_keys(), rest, std::move(v), errors);
    } else if (section == "design") {
      add_key(s.design, section, design_section_keys(), rest, std::move(v), errors);
    } else if (section == "overrides") {
      if (!valid_trainer_key(rest))
        errors.fail(v, "unknown key '" + key +
                           "': [overrides] takes sst-train keys SECTION.KEY with SECTION one of data, model, "
                           "train, output");
      if (auto r = reserved_keys().find(rest); r != reserved_keys().end())
        errors.fail(v, "'" + key + "' cannot be overridden: " + r->second);
      s.overrides.emplace_back(rest, std::move(v));
    } else if (section == "model") {
      add_model_key(s, key, rest, std::move(v), errors);
    } else {
      errors.fail(v,
                  "unknown key '" + key + "' (sections: [sweep] [models] [model.NAME] [budget] [design] [overrides])");
    }
  }
  return s;
}

}  // namespace sst::sweep
