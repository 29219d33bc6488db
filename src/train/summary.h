// The run's summary.json (rundir/summary.h) from what the trainer knows at the end of a run.
#pragma once
#include <string>

#include "rundir/summary.h"
#include "train/run.h"

namespace sst {

struct RunOutcome {
  rundir::RunStatus status = rundir::RunStatus::kCompleted;
  double final_dev_loss, final_dev_acc, final_train_loss;  // NaN when not measured
};

rundir::RunSummary make_summary(const Run& r, const RunOutcome& outcome);

}  // namespace sst
