// What a run leaves in its directory while it trains: metrics.jsonl (and TensorBoard events), the
// progress display and train.log, the checkpoints, the summary and the end message.
//
// Rank 0 writes every file; the other ranks hold no file and call the same methods, because saving is
// collective (a sharded optimizer gathers its state on every rank first, and a failed write on rank 0,
// such as a full disk, ends every rank together through the control plane).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "train/run.h"
#include "train/step.h"
#include "train/summary.h"

namespace sst {

class CheckpointStore;
class MetricsLog;
class Progress;

class RunRecorder {
 public:
  using Clock = std::chrono::steady_clock;

  // Collective: the run is accepted, so rank 0 now writes config.ini, opens the logs and prints `notes`.
  // `start` is when this process started; earlier sessions' wall time comes from the resumed state.
  RunRecorder(Run& r, const std::vector<std::string>& notes, Clock::time_point start);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // Rank 0 only; the other ranks return at once.
  void message(const std::string& line);
  void train_step_done(const StepResult& res, int64_t step, double step_s);
  void eval_done(double dev_loss, double dev_acc);

  // Collective: every rank calls these together.
  void save_step();      // into the rotation of step_*.pt
  void save_snapshot();  // kept for cooldown branches, outside the rotation
  void save_best();
  void finish(const RunOutcome& outcome);  // the summary and the end message

 private:
  bool root() const { return r_.world.is_root(); }
  double wall_s() const;  // the run's training wall time, across resumes
  void stamp_wall_time();

  Run& r_;
  Clock::time_point start_;
  double wall_before_;
  // Rank 0's only.
  std::unique_ptr<MetricsLog> metrics_;
  std::unique_ptr<CheckpointStore> store_;
  std::unique_ptr<Progress> progress_;
};

}  // namespace sst
