// Fault injection for tests, kept out of the training step: with SST_INJECT_NAN_AT_STEP=S (and
// optionally SST_INJECT_NAN_RANK=R, default 0) in the environment, rank R's loss at step S becomes
// NaN, which exercises train.nan_policy end to end; with SST_INJECT_ERROR_AT_STEP=S (and
// SST_INJECT_ERROR_RANK=R) rank R throws there, alone, before backward, as a CUDA out-of-memory would,
// which exercises the failure path (run_or_abort, train/run.h). With SST_BREAK_REDUCTION =
// skip_bucket | sum | drop_rank the gradient reduction is broken on purpose (comm::ReductionFault), so the
// tests can show that their equality checks catch a wrong reduction.
#pragma once
#include "comm/grad_sync.h"
#include "train/run.h"

namespace sst {

// SST_BREAK_REDUCTION's fault (kNone when unset); any other value is a UserError naming it.
comm::ReductionFault reduction_fault_from_env();

// Installs r.loss_hook when the environment asks for it; otherwise leaves it empty.
void install_fault_injection(Run& r);

}  // namespace sst
