#include "train/run_policy.h"

#include <algorithm>

#include "train/signals.h"

namespace sst {

rundir::RunStatus Stop::status() const {
  switch (reason) {
    case StopReason::kBudgetDone:
      return rundir::RunStatus::kCompleted;
    case StopReason::kPatience:
      return rundir::RunStatus::kEarlyStopped;
    case StopReason::kSignal:
    case StopReason::kHaltAtStep:
      return rundir::RunStatus::kPreempted;
  }
  return rundir::RunStatus::kCompleted;
}

std::string Stop::message(const TrainConfig& t, int64_t step) const {
  const std::string requeue = ": checkpointed at step " + std::to_string(step) + "; exit " +
                              std::to_string(kExitCheckpointedRequeue) + " (requeue with --resume auto)";
  switch (reason) {
    case StopReason::kBudgetDone:
      return "trained all " + std::to_string(step) + " steps";
    case StopReason::kPatience:
      return "early stopping: no better dev loss in " + std::to_string(t.patience) + " evaluations";
    case StopReason::kSignal:
      return "stop signal received" + requeue;
    case StopReason::kHaltAtStep:
      return "train.halt_at_step reached" + requeue;
  }
  return "";
}

bool RunPolicy::record_eval(TrainState& s, double dev_loss, double dev_acc) const {
  if (dev_loss < s.best_dev_loss) {
    s.best_dev_loss = dev_loss;
    s.best_dev_acc = dev_acc;
    s.best_step = s.step;
    s.best_tokens_processed = s.tokens_processed;
    s.evals_without_improvement = 0;
    return true;
  }
  ++s.evals_without_improvement;
  return false;
}

bool RunPolicy::snapshot_due(int64_t step) const {
  return std::binary_search(snapshot_steps_.begin(), snapshot_steps_.end(), step);
}

std::optional<Stop> RunPolicy::stop_after(const TrainState& s, bool stop_requested) const {
  if (s.step < total_steps_) {
    if (stop_requested) return Stop{StopReason::kSignal};
    if (s.step == t_.halt_at_step) return Stop{StopReason::kHaltAtStep};
  }
  if (patience_exhausted(s)) return Stop{StopReason::kPatience};
  if (s.step >= total_steps_) return Stop{StopReason::kBudgetDone};
  return std::nullopt;
}

}  // namespace sst
