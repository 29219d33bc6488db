// The training loop around train_step() (step.cpp), carrying out RunPolicy's decisions (run_policy.h):
// resume, evaluation and the best checkpoint, periodic checkpoints, stops, metrics and the summary.
#include "train/trainer.h"
#include "common/clock.h"

#include <chrono>
#include <cmath>

#include "common/error.h"
#include "train/budget.h"
#include "train/checkpoint_store.h"
#include "train/evaluate.h"
#include "train/run_policy.h"
#include "train/run_recorder.h"
#include "train/signals.h"
#include "train/step.h"
#include "train/summary.h"

namespace sst {
namespace {

using Clock = SteadyClock;

struct DevResult {
  double loss = NAN, acc = NAN;
};

// Every rank scores its share of dev; the sums are reduced, so every rank has the same result.
DevResult evaluate_dev(Run& r) {
  EvalSums s = evaluate_share(r.average ? r.average : r.model, *r.dev, r.world.rank, r.world.size, r.device);
  r.control.sum({&s.loss_sum, &s.correct, &s.count});
  return {s.loss_sum / s.count, s.correct / s.count};
}

std::string joined(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// Rank 0's choice of the checkpoint to start from ("" = start fresh); what it noticed goes to `notes`.
// A run directory that holds checkpoints is never restarted from scratch.
std::string choose_checkpoint(const Run& r, std::vector<std::string>& notes) {
  const std::string& resume = r.cfg.resume;
  if (resume != "auto" && resume != "none") {  // an explicit file: that one or none
    try {
      if (verify_checkpoint(resume) == CheckpointIntegrity::kNoDigest)
        notes.push_back("warning: " + resume + " is in an older format without a digest of its own; not verified");
    } catch (const UserError& e) {
      throw UserError(std::string(e.what()) +
                      "; --resume PATH uses that file only (--resume auto takes the newest valid checkpoint of "
                      "the run directory)");
    }
    return resume;
  }
  CheckpointStore store(r.dir, r.cfg.train.keep_checkpoints);
  if (resume == "none") {
    if (store.has_checkpoints())
      throw UserError("run directory " + r.cfg.out_dir +
                      " already has checkpoints; pass --resume auto to continue it or choose another --out-dir");
    return "";
  }
  std::vector<std::string> problems;
  const auto newest = store.newest_valid(problems);
  if (!newest && store.has_checkpoints())
    throw UserError("run directory " + r.cfg.out_dir + " has checkpoints but none is valid (" + joined(problems, "; ") +
                    "); move them away to start afresh, or choose another --out-dir");
  for (const auto& p : problems) notes.push_back("warning: " + p + "; skipped");
  if (!newest) notes.push_back("resume auto: no checkpoint in " + store.dir() + ", starting fresh");
  return newest.value_or("");
}

// A run continues on the data it was trained on: data tokenized otherwise (another tokenizer, even with
// the same vocabulary size) would feed the old weights other words under the same ids. Rank 0 checks
// the checkpoint it chose; the ranks have agreed on their data's identity in setup.
void refuse_other_data(const Run& r, const std::string& path, std::vector<std::string>& notes) {
  const CheckpointMeta meta = read_checkpoint_meta(path);
  dataset::refuse_other_tokenization(
      dataset::identity_of(meta.tokenizer, meta.data_schema_version), "checkpoint " + path, r.file->identity(),
      "data file " + r.cfg.data.path,
      "resume on the data it was trained on, or train on this data in another --out-dir");
  if (meta.data_schema_version == 0)
    notes.push_back("warning: checkpoint " + path +
                    " does not record its data's schema version (written before it was kept); its tokenizer and "
                    "vocabulary match the data's, resuming");
}

// Rank 0 decides where to start, every rank loads that checkpoint, and all agree it belongs to this
// run; any refusal ends every rank with one message, before anything in the run directory changes.
void resume(Run& r, std::vector<std::string>& notes) {
  const std::string path = r.control.decide_on_root([&] {
    std::string chosen = choose_checkpoint(r, notes);
    // A cooldown branch with nothing of its own yet starts from its parent's snapshot (train/budget.h).
    if (chosen.empty() && !r.cfg.train.branch_from.empty()) chosen = branch_snapshot(r.cfg.train, r.schedule);
    if (!chosen.empty()) refuse_other_data(r, chosen, notes);
    return chosen;
  });
  if (path.empty()) return;
  const bool branch = !r.cfg.train.branch_from.empty() && path == branch_snapshot_path(r.cfg.train, r.schedule);
  r.control.run_on_all_ranks([&] {
    CheckpointMeta meta = load_checkpoint(path, r.model, r.optimizer.get(), r.average);
    if (meta.seed != r.cfg.train.seed)
      throw UserError("checkpoint " + path + " was trained with train.seed = " + std::to_string(meta.seed) +
                      ", this run has " + std::to_string(r.cfg.train.seed));
    const auto changed = changed_on_resume(r.cfg, meta.config_ini);
    if (!changed.empty())
      throw UserError("checkpoint " + path + " was trained with other settings: " + joined(changed, ", ") +
                      "; resuming continues that run, so they cannot change (train with them in another --out-dir)");
    r.state = meta.state;
  });
  if (branch) {
    r.state.branch_step = r.state.step;
    r.state.branch_tokens = r.state.tokens_processed;
  }
  notes.push_back(std::string(branch ? "cooldown branch from " : "resumed from ") + path + " at step " +
                  std::to_string(r.state.step));
}

std::string start_line(const Run& r) {
  return "sst-train: " + std::to_string(r.world.size) + " rank(s), " + std::to_string(torch::get_num_threads()) +
         " thread(s)/rank, device " + r.device.str() + ", backend " + r.comm->name() + " (" +
         std::to_string(r.grads->num_buckets()) + " gradient bucket(s)" +
         (r.grads->overlapping() ? ", overlapped with backward), " : "), ") + "optimizer " + r.optimizer->name() +
         " (" + std::to_string(r.optimizer->state_bytes() >> 10) + " KiB of state per rank), " +
         std::to_string(r.model->num_params()) + " params, " + std::to_string(r.total_steps) + " steps of " +
         std::to_string(r.cfg.train.global_batch) + " examples";
}

// Where this rank runs, for multi-node runs: its host, its place on that node and its threads.
std::string placement_line(const Run& r) {
  return "rank " + std::to_string(r.world.rank) + " of " + std::to_string(r.world.size) + ": host " + r.world.host +
         ", local rank " + std::to_string(r.world.local_rank) + " of " + std::to_string(r.world.local_size) + ", " +
         std::to_string(torch::get_num_threads()) + " thread(s), device " + r.device.str();
}

// One optimizer step and its bookkeeping (train.nan_policy, counters, the metrics line).
StepResult step_and_record(Run& r, RunRecorder& rec) {
  const int64_t step = r.state.step;
  const auto t0 = Clock::now();
  StepResult res = train_step(r, step);
  const double step_s = seconds_since(t0);
  if (res.nonfinite) {
    if (r.cfg.train.nan_policy == NanPolicy::kStop)
      throw CollectiveError("non-finite loss or gradient at step " + std::to_string(step + 1) +
                                " (train.nan_policy = stop); no checkpoint was written for it",
                            r.world.is_root());
    ++r.state.skipped_steps;
    rec.message("warning: non-finite loss/gradient at step " + std::to_string(step + 1) + ", skipped");
  }
  r.state.step = step + 1;
  r.state.tokens_processed += res.tokens;
  r.state.examples_processed += res.examples;
  r.state.last_train_loss = res.loss;
  rec.train_step_done(res, step, step_s);
  return res;
}

// Dev evaluation on every rank; the best checkpoint when its dev loss is the lowest so far.
void evaluate_and_record(Run& r, const RunPolicy& policy, RunRecorder& rec, RunOutcome& outcome) {
  const DevResult dev = evaluate_dev(r);
  outcome.final_dev_loss = dev.loss;
  outcome.final_dev_acc = dev.acc;
  if (policy.record_eval(r.state, dev.loss, dev.acc)) rec.save_best();  // the same decision on every rank
  rec.eval_done(dev.loss, dev.acc);
}

// The run, from setup to the summary: RunPolicy decides, RunRecorder writes (rank 0) and saves (all).
int train(Run& r, Clock::time_point start) {
  setup(r);
  std::vector<std::string> notes;
  resume(r, notes);
  for (auto& line : r.control.all_gather(placement_line(r))) notes.push_back(std::move(line));
  notes.push_back(start_line(r));
  if (!r.comm_note.empty()) notes.push_back(r.comm_note);
  RunRecorder rec(r, notes, start);  // the run is accepted: from here on its directory changes

  const RunPolicy policy(r.cfg.train, r.total_steps, r.snapshot_steps);
  RunOutcome outcome{rundir::RunStatus::kCompleted, NAN, NAN, NAN};
  std::optional<Stop> stop;
  if (policy.already_stopped(r.state)) {
    stop = Stop{StopReason::kPatience};
    rec.message("this run already stopped early at step " + std::to_string(r.state.step) + "; nothing to train");
  }
  r.model->train();
  while (!stop && r.state.step < r.total_steps) {
    const StepResult res = step_and_record(r, rec);
    if (policy.eval_due(r.state.step)) evaluate_and_record(r, policy, rec, outcome);
    stop = policy.stop_after(r.state, res.stop);
    if (stop && stop->reason != StopReason::kBudgetDone) rec.message(stop->message(r.cfg.train, r.state.step));
    if (!stop && policy.checkpoint_due(r.state.step)) rec.save_step();
    if (policy.snapshot_due(r.state.step)) rec.save_snapshot();
  }

  outcome.status = stop ? stop->status() : rundir::RunStatus::kCompleted;
  const bool preempted = outcome.status == rundir::RunStatus::kPreempted;
  if (!preempted && std::isnan(outcome.final_dev_loss)) {
    const DevResult dev = evaluate_dev(r);
    outcome.final_dev_loss = dev.loss;
    outcome.final_dev_acc = dev.acc;
  }
  rec.save_step();  // agreed: complete on every rank before any rank exits (also when preempted)
  // Kept in the checkpoint, so a run resumed from its final checkpoint (a crash before the summary)
  // still reports it.
  outcome.final_train_loss = r.state.last_train_loss;
  rec.finish(outcome);
  return preempted ? kExitCheckpointedRequeue : 0;
}

}  // namespace

int run_training(Config cfg, const comm::World& world) {
  const auto start = Clock::now();
  Run r(std::move(cfg), world);
  return run_or_abort(r, [&] { return train(r, start); });
}

}  // namespace sst
