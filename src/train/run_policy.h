// The training loop's policy in one place: when to evaluate, when a dev loss is the new best, when
// patience is exhausted, when to checkpoint (and keep a snapshot for cooldown branches), and when (and
// with which status) the run stops: its whole length trained (steps, or a token / FLOP budget: budget.h),
// early stopping, or a stop request (a signal on any rank, or train.halt_at_step).
// Pure decisions on the train state; the loop (trainer.cpp) carries them out.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rundir/run_dir.h"
#include "train/checkpoint.h"
#include "train/config.h"

namespace sst {

enum class StopReason { kBudgetDone, kPatience, kSignal, kHaltAtStep };

struct Stop {
  StopReason reason;
  rundir::RunStatus status() const;  // completed | early_stopped | preempted
  std::string message(const TrainConfig& t, int64_t step) const;
};

class RunPolicy {
 public:
  RunPolicy(const TrainConfig& t, int64_t total_steps, std::vector<int64_t> snapshot_steps = {})
      : t_(t), total_steps_(total_steps), snapshot_steps_(std::move(snapshot_steps)) {}

  // A run whose patience ran out before this process started (a resumed early-stopped run): finished.
  bool already_stopped(const TrainState& s) const { return patience_exhausted(s); }
  // After optimizer step `step` (1-based: steps done).
  bool eval_due(int64_t step) const { return step % t_.eval_every == 0 || step == total_steps_; }
  // Records an evaluation in `s` (best so far with its tokens, evaluations without improvement); true if it
  // is the new best.
  bool record_eval(TrainState& s, double dev_loss, double dev_acc) const;
  // Whether the run stops after this step (and its evaluation), and why. A stop request after the last
  // step is simply the end of the run.
  std::optional<Stop> stop_after(const TrainState& s, bool stop_requested) const;
  bool checkpoint_due(int64_t step) const { return step % t_.checkpoint_every == 0 && step < total_steps_; }
  // After step `step`: a cooldown branch of train.snapshot_budgets starts here (budget.h).
  bool snapshot_due(int64_t step) const;

 private:
  bool patience_exhausted(const TrainState& s) const {
    return t_.patience > 0 && s.evals_without_improvement >= t_.patience;
  }
  const TrainConfig& t_;
  int64_t total_steps_;
  std::vector<int64_t> snapshot_steps_;
};

}  // namespace sst
