// sst-sweep's library: a sweep file (configs/sweeps/*.ini) expanded into grid points (one sst-train run
// each), the sweep manifest, and the per-run state / sweep.csv aggregation. No LibTorch, no MPI.
// The file format, directory layout and CSV columns are documented in docs/sweeps.md.
#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/enum_names.h"
#include "rundir/run_dir.h"
#include "rundir/summary.h"
#include "sweep/design.h"

namespace sst::sweep {

using KeyValues = std::vector<std::pair<std::string, std::string>>;  // "section.key" -> value, in file order

struct ModelSize {
  std::string name;
  KeyValues overrides;          // sst-train keys, e.g. {"model.d_model", "32"}
  std::vector<double> budgets;  // `budgets = ...` in [model.NAME]: this size's own budget list (else [budget]'s)
  // `epochs_scale = X` in [model.NAME]: this size trains X times [budget]'s epochs (of each fraction). A model
  // far smaller than the others needs more passes over the data to reach its best dev loss.
  double epochs_scale = 1;
};

// What a budget list counts: FLOPs (train.max_flops, C = 6 N tokens) or tokens (train.max_tokens).
enum class BudgetKind { kNone, kFlops, kTokens };
}  // namespace sst::sweep

namespace sst {
template <>
struct EnumNames<sweep::BudgetKind> {
  using K = sweep::BudgetKind;
  static constexpr std::array<std::pair<K, const char*>, 3> kNames{
      {{K::kNone, ""}, {K::kFlops, "flops"}, {K::kTokens, "tokens"}}};
};
}  // namespace sst

namespace sst::sweep {
inline std::string budget_kind_name(BudgetKind k) { return enum_name(k); }  // "", "flops", "tokens"

struct Budget {
  std::optional<int64_t> max_steps;  // train.max_steps (> 0 wins over epochs, as in sst-train)
  std::optional<double> epochs;      // train.epochs (used when max_steps is 0 or absent)
  // `epochs = E1, E2, ...` with one value per fraction: the run length of each fraction (smaller subsets
  // need more epochs to reach their best dev loss; the LR schedule spans each run). Empty: `epochs` for all.
  std::vector<double> epochs_per_fraction;
  std::vector<int64_t> eval_every_per_fraction;  // likewise `eval_every = S1, S2, ...` (short runs evaluate often)
  std::optional<int64_t> eval_every;             // train.eval_every
  std::optional<int64_t> patience;               // train.patience (early stopping on dev loss, in evaluations)
  std::optional<int64_t> checkpoint_every;
  // A budget grid (flops = C1, C2, ... or tokens = T1, ...): every point trains one budget, its run
  // length and LR schedule following it (sst-train's train.max_flops / max_tokens).
  BudgetKind kind = BudgetKind::kNone;
  std::vector<double> values;
  // With a budget grid and train.schedule = wsd: per (model, fraction, seed) the largest budget trains in
  // full and keeps a snapshot where each smaller one's cooldown starts; the smaller budgets are cooldown
  // branches from it (Hägele et al. 2024).
  bool cooldown_branches = false;
};

struct SweepSpec {
  std::string file;         // absolute path of the sweep file
  std::string hash;         // SHA-256 of its bytes
  std::string name;         // [sweep] name, default: the file's stem
  std::string base_config;  // absolute path
  std::string data;         // absolute path, or "" to keep the base config's data.path
  int ranks = 1;
  std::vector<ModelSize> models;
  std::vector<double> fractions;
  bool fractions_given = true;  // false: a budget sweep without [sweep] fractions (all data, cycled)
  std::vector<int64_t> seeds;
  Budget budget;
  KeyValues overrides;           // [overrides]
  std::optional<Design> design;  // [design]: an adaptive design (design.h), planned in waves
};

struct Point {
  size_t index = 0;
  // Run name, also the run directory's name: MODEL_fFRACTION_sSEED; with a budget grid
  // MODEL[_fFRACTION]_cBUDGET_sSEED (FLOPs) or MODEL[_fFRACTION]_tBUDGET_sSEED (tokens).
  std::string run;
  std::string model;
  double fraction = 1;
  int64_t seed = 0;
  int ranks = 1;
  double budget = 0;              // the point's budget (FLOPs or tokens, spec.budget.kind); 0: none
  std::string parent;             // a cooldown branch: the run it branches from (it runs once that one finished)
  std::string run_dir;            // relative to the sweep dir: runs/RUN
  std::vector<std::string> args;  // the full sst-train argument list (after the program name)
};

// Parses and validates a sweep file; throws UserError("sweep file F: ...") naming the bad key or value.
// `data_override` (if not empty) replaces [sweep] data; relative paths in the file are relative to it.
SweepSpec parse_sweep_file(const std::string& path, const std::string& data_override = "");

// The grid in a fixed order: models (as listed) x fractions (as listed) [x budgets (as listed)] x seeds
// (as listed), seeds fastest.
// `sweep_dir` is made absolute and used for --out-dir.
std::vector<Point> expand(const SweepSpec& spec, const std::string& sweep_dir);

// The default sweep directory: runs/sweeps/NAME (relative to the current directory).
std::string default_sweep_dir(const SweepSpec& spec);

// A shortest round-trip decimal rendering ("0.015625", "1", "0.1").
std::string format_number(double v);
// A budget in run names: "1e13", "3.2e14", "5e6".
std::string compact_number(double v);
// Shell-quotes one word when needed.
std::string shell_quote(const std::string& s);

constexpr const char* kManifestName = "sweep_manifest.json";
constexpr const char* kCsvName = "sweep.csv";

nlohmann::json manifest_json(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<Point>& points);
// Writes SWEEP_DIR/sweep_manifest.json atomically. If one exists from a different sweep file content, throws
// unless `force`.
void write_manifest(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<Point>& points, bool force);
// Reads SWEEP_DIR/sweep_manifest.json (throws UserError naming the file if absent or malformed).
nlohmann::json read_manifest(const std::string& sweep_dir);

// ---- run states and aggregation ------------------------------------------------------------------
// A point's status (rundir/run_dir.h): completed | early_stopped from its summary.json, else running,
// failed, interrupted or missing from what its run directory holds. A cooldown branch names its parent.
struct RunState {
  std::string run;
  std::string model;
  size_t index = 0;
  rundir::RunStatus status = rundir::RunStatus::kMissing;
  std::optional<rundir::RunSummary> summary;  // summary.json when present and finished
  std::string parent;                         // manifest: the run a cooldown branch starts from
  std::string dir;                            // the run directory
  bool finished() const { return rundir::is_finished(status); }
};

// What a launcher does with point i: skip (finished), busy (a live launcher runs it), wait (a cooldown
// branch whose parent has not finished) or run.
std::string launcher_action(const std::vector<RunState>& states, size_t i);

RunState run_state(const std::string& sweep_dir, const nlohmann::json& manifest_point);
std::vector<RunState> run_states(const std::string& sweep_dir, const nlohmann::json& manifest);

// The CSV header and rows (RFC 4180 quoting), one row per point in manifest order. The hyperparameter
// columns (d_model ... weight_decay) come from the run's config.ini when it has one, else from its
// summary.json; a config.ini that cannot be read is an error naming it.
const std::vector<std::string>& csv_columns();
std::string csv_text(const std::vector<RunState>& states, const nlohmann::json& manifest, bool finished_only);
// Writes SWEEP_DIR/sweep.csv (or `output`) atomically; returns the path written.
std::string aggregate(const std::string& sweep_dir, const std::string& output, bool finished_only);

struct Progress {
  size_t total = 0, done = 0, running = 0, left = 0, failed = 0;
  double mean_wall_s = 0;  // over finished runs (0 when none)
  std::optional<double> eta_s;
};
// ETA: the mean wall_s of finished runs of the same model (else of all finished runs) summed over the
// unfinished points (running ones counted half), divided by `parallel` (0: the number running, at least 1).
Progress progress(const std::vector<RunState>& states, int parallel);
std::string progress_line(const Progress& p);

}  // namespace sst::sweep
