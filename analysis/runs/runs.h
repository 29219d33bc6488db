// Reading sst-train run directories (no LibTorch): RUN_DIR/metrics.jsonl, summary.json and config.ini
// (their names and summary.json's fields are in src/rundir), as `curves`, `ablations` and `report` need
// them. Every problem is a one-line UserError naming the file (and line for metrics.jsonl).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/text.h"
#include "rundir/run_dir.h"
#include "rundir/summary.h"

namespace sst::analysis::runs {

struct TrainPoint {
  int64_t step = 0;
  double tokens = 0;  // tokens_processed after this step (all ranks)
  double loss = 0;
};
struct EvalPoint {
  int64_t step = 0;
  double tokens = 0;
  double dev_loss = 0, dev_acc = 0;
};

struct Run {
  std::string dir;   // as given
  std::string name;  // the directory's last component (made unique by load_runs)
  std::vector<TrainPoint> train;
  std::vector<EvalPoint> evals;
  std::optional<rundir::RunSummary> summary;  // summary.json; none when the run has none (e.g. still running)
  text::IniEntries config;                    // config.ini ("section.key" -> value), empty when absent
  bool has_config = false;
};

// The files of run directory `dir` (a trailing '/' dropped, so paths read DIR/metrics.jsonl).
rundir::RunDir run_dir(const std::string& dir);

// True if `dir` holds metrics.jsonl or summary.json.
bool is_run_dir(const std::string& dir);
// Each argument that is a run directory is kept; one that is not (e.g. a sweep directory) is replaced by
// the run directories found up to two levels below it, sorted. Throws UserError for a missing path or a
// directory with no runs.
std::vector<std::string> expand_run_dirs(const std::vector<std::string>& args);

// Reads one run. metrics.jsonl is required; an unterminated last line (a run killed mid-write) is ignored,
// any other malformed line is an error naming FILE:LINE.
Run load_run(const std::string& dir);
// load_run over expand_run_dirs(args); runs whose directory names clash are named "parent/name".
std::vector<Run> load_runs(const std::vector<std::string>& args);

// Best dev accuracy and loss of a run: summary.json's best_dev_acc / best_dev_loss, otherwise the best
// eval point of metrics.jsonl. false if the run has neither.
bool best_dev(const Run& run, double& acc, double& loss);

}  // namespace sst::analysis::runs
