// The run directory (sst-train --out-dir): the one definition of its file names and of a run's status,
// shared by the trainer that writes it, sst-sweep that watches it (and through `sst-sweep status`, the
// launch/ and slurm/ scripts) and sst-analyze that reads it. The files are described in README.md
// ("Outputs"); summary.json's fields are in rundir/summary.h.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/enum_names.h"

namespace sst::rundir {

// How far a run got. sst-train writes the first three into summary.json; sst-sweep derives the others
// from what a run directory holds when it has no final summary.
enum class RunStatus {
  kCompleted,     // trained its whole budget
  kEarlyStopped,  // train.patience evaluations without a better dev loss
  kPreempted,     // checkpointed after a stop signal or train.halt_at_step; resume with --resume auto
  kRunning,       // a live launcher marker (.sweep_running) names it
  kFailed,        // the last attempt exited with an error (.sweep_failed holds its exit code)
  kInterrupted,   // checkpoints but no final summary (killed, or preempted and not yet resumed)
  kMissing,       // nothing yet
};

}  // namespace sst::rundir

namespace sst {
template <>
struct EnumNames<rundir::RunStatus> {
  using S = rundir::RunStatus;
  static constexpr std::array<std::pair<S, const char*>, 7> kNames{{
      {S::kCompleted, "completed"},
      {S::kEarlyStopped, "early_stopped"},
      {S::kPreempted, "preempted"},
      {S::kRunning, "running"},
      {S::kFailed, "failed"},
      {S::kInterrupted, "interrupted"},
      {S::kMissing, "missing"},
  }};
};
}  // namespace sst

namespace sst::rundir {

// The names through the project's one enum-names table (common/enum_names.h).
inline std::string to_string(RunStatus s) { return enum_name(s); }
inline std::optional<RunStatus> parse_status(std::string_view s) { return parse_enum<RunStatus>(s); }
// "completed | early_stopped | ..." for help texts.
inline std::string all_statuses() { return enum_choices<RunStatus>(); }
// Completed or stopped early: nothing more to train.
bool is_finished(RunStatus s);

// The paths inside one run directory.
class RunDir {
 public:
  explicit RunDir(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  std::string config_ini() const { return file("config.ini"); }         // the resolved configuration
  std::string metrics() const { return file("metrics.jsonl"); }         // one JSON object per line
  std::string train_log() const { return file("train.log"); }           // the progress lines
  std::string summary() const { return file("summary.json"); }          // rundir/summary.h
  std::string benchmark() const { return file("benchmark.json"); }      // sst-train --benchmark
  std::string tensorboard() const { return file("tensorboard"); }       // event files (output.tensorboard)
  std::string checkpoints() const { return file("checkpoints"); }       // the checkpoint folder
  std::string manifest() const { return checkpoint("manifest.json"); }  // each checkpoint's step, SHA-256
  std::string best_checkpoint() const { return checkpoint("best.pt"); }
  std::string step_checkpoint(int64_t step) const { return checkpoint(step_checkpoint_name(step)); }
  // Checkpoints kept for cooldown branches (train.snapshot_budgets): never rotated, never resumed from
  // by the run itself; "snapshots/step_XXXXXXXX.pt".
  std::string snapshots() const { return file("snapshots"); }
  std::string snapshot(int64_t step) const { return snapshots() + "/" + step_checkpoint_name(step); }
  // Markers a launcher keeps (launch/sweep.sh, slurm/job_common.sh): "HOST PID [JOBID]" while it runs
  // the point, and the exit code of a failed attempt.
  std::string running_marker() const { return file(".sweep_running"); }
  std::string failed_marker() const { return file(".sweep_failed"); }
  // Held by the sst-train process that writes this directory (rundir/run_lock.h): "HOST PID".
  std::string lock_file() const { return file(".lock"); }

  // "step_00000120.pt"; step_of_checkpoint_name is its inverse (nullopt for any other name).
  static std::string step_checkpoint_name(int64_t step);
  static std::optional<int64_t> step_of_checkpoint_name(const std::string& name);

 private:
  std::string file(const char* name) const { return root_ + "/" + name; }
  std::string checkpoint(const std::string& name) const { return root_ + "/checkpoints/" + name; }
  std::string root_;
};

}  // namespace sst::rundir
