// What the tests of src/sweep/ share (test_sweep, test_grid, test_aggregate, test_cli: one executable):
// a base config and sweep files to write into a temporary folder, their errors, fake finished runs.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace sst::sweep::test {

namespace fs = std::filesystem;
using nlohmann::json;
using sst::test::TempDir;
using sst::test::write_text;

inline const char* const kBase = "[model]\nd_model = 64\n[train]\nlr = 1e-3\n";

inline const char* const kGood = R"(# a comment
[sweep]
name = t
base_config = base.ini
ranks = 2
fractions = 1/4, 0.5, 1   # trailing comment
seeds = 1, 2

[models]
names = xs, s

[model.xs]
d_model = 32
layers = 1
heads = 2
ff_dim = 64

[model.s]
d_model = 48
heads = 4
train.lr = 5e-4

[budget]
max_steps = 40
eval_every = 10
patience = 3

[overrides]
train.lr = 2e-3
model.max_len = 48
)";

// Writes base.ini and sweep.ini (kGood with `replace` applied) into dir; returns the sweep file.
inline std::string write_sweep(const TempDir& dir, const std::string& text = kGood) {
  write_text(dir / "base.ini", kBase);
  write_text(dir / "sweep.ini", text);
  return dir / "sweep.ini";
}

inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  if (pos == std::string::npos) throw std::runtime_error("test bug: '" + from + "' not in the sweep text");
  return text.replace(pos, from.size(), to);
}

inline std::string error_of(const std::string& text) {
  TempDir dir("sweep-err");
  try {
    sst::sweep::parse_sweep_file(write_sweep(dir, text));
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

inline bool has_arg(const std::vector<std::string>& args, const std::string& a) {
  return std::find(args.begin(), args.end(), a) != args.end();
}

// A fake finished run: the summary.json fields sst-train writes.
inline void fake_summary(const std::string& run_dir, const std::string& status, double loss, double wall) {
  fs::create_directories(run_dir);
  json s = {
      {"run_name", fs::path(run_dir).filename().string()},
      {"status", status},
      {"steps", 40},
      {"epochs", 1.5},
      {"params", 100000},
      {"non_embedding_params", 20000},
      {"data_fraction", 0.25},
      {"train_tokens", 123456},
      {"tokens_processed", 200000},
      {"flops", 2.4e10},
      {"best_dev_loss", loss},
      {"best_dev_acc", 0.75},
      {"wall_s", wall},
      {"world_size", 2},
      {"seed", 1},
      {"global_batch", 32},
      {"model", {{"d_model", 64}, {"layers", 2}, {"heads", 4}, {"ff_dim", 256}, {"max_len", 48}, {"dropout", 0.1}}}};
  write_text(run_dir + "/summary.json", s.dump(2));
}

inline std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> v;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      v.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  v.push_back(cur);
  return v;
}

inline const char* const kBudget = R"([sweep]
name = iso
base_config = base.ini
seeds = 1

[models]
names = xs, s

[model.xs]
d_model = 32

[model.s]
d_model = 48
budgets = 1e12, 4e12

[budget]
flops = 1e12, 2e12, 4e12
eval_every = 10
cooldown_branches = true
)";

}  // namespace sst::sweep::test
