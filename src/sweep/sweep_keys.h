// The sweep file's keys (docs/sweeps.md): one table per section, each key declared once with its type, the
// numbers it accepts and its help, read through the shared INI reader (common/text.h). What one key can get
// wrong on its own (unknown, given twice, not a number, out of range, not true/false) is checked here and
// named with the file and line; the rules across keys are parse_sweep_file's (sweep.cpp) and
// parse_design's (design.cpp).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/range.h"

namespace sst::sweep {

enum class KeyType {
  kText,
  kInteger,
  kNumber,
  kBool,       // true or false
  kIntegers,   // a list ("1, 2 3")
  kNumbers,    // a list
  kFractions,  // a list of numbers or ratios ("0.25, 1/2")
};

struct KeySpec {
  const char* key;
  KeyType type;
  Range range;  // every number (or item) must be in it
  const char* help;
};

// One key's value as given, with its line and its parsed numbers.
struct Value {
  std::string text;
  int line = 0;
  std::vector<double> numbers;    // kNumber (one), kNumbers, kFractions
  std::vector<int64_t> integers;  // kInteger (one), kIntegers
  bool flag = false;              // kBool
};
using Section = std::map<std::string, Value>;                    // key (without the section) -> value
using TrainerKeys = std::vector<std::pair<std::string, Value>>;  // "section.key" of sst-train, in file order

// The sweep file's errors: "sweep file PATH: ..." or, for one key, "sweep file PATH:LINE: ...".
class SweepErrors {
 public:
  explicit SweepErrors(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& msg) const;
  [[noreturn]] void fail(const Value& at, const std::string& msg) const;

 private:
  std::string path_;
};

// The file, sorted into its sections; every key of a table already parsed and checked against it.
struct SweepSections {
  Section sweep, models, budget, design;
  TrainerKeys overrides;                             // [overrides]
  std::vector<std::string> model_order;              // [model.NAME] sections, in order of first appearance
  std::map<std::string, Section> model_keys;         // [model.NAME] budgets / epochs_scale
  std::map<std::string, TrainerKeys> model_trainer;  // [model.NAME] sst-train keys ("model.d_model")
};
SweepSections read_sweep_sections(const std::string& content, const std::string& path, const SweepErrors& errors);

// The tables (for the help text and docs/sweeps.md's reference).
const std::vector<KeySpec>& sweep_section_keys();
const std::vector<KeySpec>& models_section_keys();
const std::vector<KeySpec>& budget_section_keys();
const std::vector<KeySpec>& design_section_keys();
const std::vector<KeySpec>& model_section_keys();  // the sweep's own keys of [model.NAME]

}  // namespace sst::sweep
