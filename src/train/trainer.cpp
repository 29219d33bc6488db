// The training loop around train_step() (step.cpp), carrying out RunPolicy's decisions (run_policy.h):
// resume, evaluation and the best checkpoint, periodic checkpoints, stops, metrics and the summary.
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"
#include "train/budget.h"
#include "train/checkpoint_store.h"
#include "train/evaluate.h"
#include "train/metrics.h"
#include "train/run_policy.h"
#include "train/signals.h"
#include "train/step.h"
#include "train/summary.h"

using nlohmann::json;

namespace sst {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct DevResult {
  double loss = NAN, acc = NAN;
};

// Every rank scores its share of dev; the sums are reduced, so every rank has the same result.
DevResult evaluate_dev(Run& r) {
  EvalSums s = evaluate_share(r.average ? r.average : r.model, *r.dev, r.world.rank, r.world.size, r.device);
  r.control.sum({&s.loss_sum, &s.correct, &s.count});
  return {s.loss_sum / s.count, s.correct / s.count};
}

CheckpointMeta meta_of(const Run& r) {
  CheckpointMeta m;
  m.state = r.state;
  m.model = r.cfg.model;
  m.config_ini = r.cfg.resolved_ini;
  m.tokenizer = r.file->tokenizer();
  m.data_schema_version = r.file->identity().schema_version;
  m.class_names = r.file->class_names();
  m.seed = r.cfg.train.seed;
  m.world_size = r.world.size;
  return m;
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

json train_record(const Run& r, const StepResult& res, int64_t step, double step_s) {
  return {{"kind", "train"},
          {"step", r.state.step},
          {"epoch", double(step) / r.sampler->batches_per_epoch()},
          {"loss", res.loss},
          {"lr", r.schedule.at(step)},
          {"grad_norm", res.grad_norm},
          {"examples_per_s", res.examples / step_s},
          {"tokens_per_s", res.tokens / step_s},
          {"step_ms", 1e3 * step_s},
          {"data_wait_ms", 1e3 * res.times.data},
          {"allreduce_wait_ms", 1e3 * res.times.allreduce},
          {"pad_fraction", 1.0 - double(res.tokens) / double(std::max<int64_t>(1, res.padded_tokens))},
          {"tokens_processed", r.state.tokens_processed},
          {"truncated", res.truncated}};
}

// The end message: "best" as it was chosen (the lowest dev loss), and only the files that exist.
void print_outcome(const Run& r, const RunOutcome& o) {
  if (o.status == rundir::RunStatus::kPreempted) {
    std::printf("preempted: checkpointed at step %lld of %lld; resume with --resume auto\n",
                static_cast<long long>(r.state.step), static_cast<long long>(r.total_steps));
  } else {
    std::printf("%s: dev accuracy %.4f, dev loss %.4f", rundir::to_string(o.status).c_str(), o.final_dev_acc,
                o.final_dev_loss);
    if (std::isfinite(r.state.best_dev_loss))
      std::printf("; best dev loss %.4f at step %lld (dev accuracy %.4f there)", r.state.best_dev_loss,
                  static_cast<long long>(r.state.best_step), r.state.best_dev_acc);
    std::printf("\n");
  }
  std::string checkpoints;
  auto add = [&](bool present, const char* name) {
    if (present) checkpoints += (checkpoints.empty() ? "" : ", ") + std::string(name);
  };
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(r.dir.checkpoints(), ec))
    names.push_back(e.path().filename().string());
  add(std::count(names.begin(), names.end(), "best.pt") > 0, "best.pt");
  add(std::any_of(names.begin(), names.end(),
                  [](const std::string& n) { return rundir::RunDir::step_of_checkpoint_name(n).has_value(); }),
      "step_*.pt");
  add(std::count(names.begin(), names.end(), "manifest.json") > 0, "manifest.json");
  std::printf("run directory: %s\n", r.cfg.out_dir.c_str());
  if (!checkpoints.empty()) std::printf("  checkpoints: %s (%s)\n", r.dir.checkpoints().c_str(), checkpoints.c_str());
  if (std::filesystem::exists(r.dir.metrics(), ec)) std::printf("  metrics:     %s\n", r.dir.metrics().c_str());
  if (std::filesystem::exists(r.dir.summary(), ec)) std::printf("  summary:     %s\n", r.dir.summary().c_str());
  std::fflush(stdout);
}

// The run, from setup to the summary.
int train(Run& r, Clock::time_point start) {
  const comm::World& world = r.world;
  setup(r);
  std::vector<std::string> notes;
  resume(r, notes);
  for (auto& line : r.control.all_gather(placement_line(r))) notes.push_back(std::move(line));

  // The run is accepted: only now does anything in the run directory change. Rank 0 writes every
  // file of it, and every write that can fail (a full disk) is agreed on, so all ranks end together.
  const auto& t = r.cfg.train;
  std::unique_ptr<MetricsLog> metrics;
  std::unique_ptr<CheckpointStore> store;
  std::unique_ptr<Progress> progress;
  r.control.run_on_root([&] {
    write_text_atomically(r.dir.config_ini(), r.cfg.resolved_ini);
    metrics = std::make_unique<MetricsLog>(r.dir.metrics(), r.state.step, r.cfg.tensorboard ? r.dir.tensorboard() : "");
    store = std::make_unique<CheckpointStore>(r.dir, t.keep_checkpoints);
    progress = std::make_unique<Progress>(r.dir.train_log(), r.total_steps, r.state.step);
    for (const auto& n : notes) progress->message(n);
    progress->message(start_line(r));
    if (!r.comm_note.empty()) progress->message(r.comm_note);
  });
  const RunPolicy policy(t, r.total_steps, r.snapshot_steps);
  RunOutcome outcome{rundir::RunStatus::kCompleted, NAN, NAN, NAN};
  std::optional<Stop> stop;
  if (policy.already_stopped(r.state)) {
    stop = Stop{StopReason::kPatience};
    if (progress)
      progress->message("this run already stopped early at step " + std::to_string(r.state.step) +
                        "; nothing to train");
  }
  const double wall_before = r.state.wall_s;
  // Every rank comes here together: a sharded optimizer gathers its full state for rank 0 to write;
  // a metrics line that could not be written fails the run here, where the ranks agree.
  auto save_step_checkpoint = [&] {
    r.state.wall_s = wall_before + seconds_since(start);
    r.optimizer->gather_state();
    r.control.run_on_root([&] {
      metrics->check();
      store->save_step(r.model, *r.optimizer, meta_of(r), r.average);
    });
  };
  auto save_snapshot = [&] {  // kept for cooldown branches; not part of the rotation
    r.state.wall_s = wall_before + seconds_since(start);
    r.optimizer->gather_state();
    r.control.run_on_root([&] {
      ensure_writable_dir(r.dir.snapshots());
      save_checkpoint(r.dir.snapshot(r.state.step), r.model, r.optimizer.get(), meta_of(r), r.average);
    });
  };

  r.model->train();
  while (!stop && r.state.step < r.total_steps) {
    const int64_t step = r.state.step;
    auto t0 = Clock::now();
    StepResult res = train_step(r, step);
    const double step_s = seconds_since(t0);
    if (res.nonfinite) {
      if (t.nan_policy == NanPolicy::kStop)
        throw CollectiveError("non-finite loss or gradient at step " + std::to_string(step + 1) +
                                  " (train.nan_policy = stop); no checkpoint was written for it",
                              world.is_root());
      ++r.state.skipped_steps;
      if (progress)
        progress->message("warning: non-finite loss/gradient at step " + std::to_string(step + 1) + ", skipped");
    }
    r.state.step = step + 1;
    r.state.tokens_processed += res.tokens;
    r.state.examples_processed += res.examples;
    r.state.last_train_loss = res.loss;
    if (metrics && (r.state.step % t.log_every == 0 || r.state.step == 1)) {
      metrics->write(train_record(r, res, step, step_s), wall_before + seconds_since(start));
      progress->update(r.state.step, res.loss, res.tokens / step_s, r.schedule.at(step));
    }

    if (policy.eval_due(r.state.step)) {
      const DevResult dev = evaluate_dev(r);
      outcome.final_dev_loss = dev.loss;
      outcome.final_dev_acc = dev.acc;
      if (policy.record_eval(r.state, dev.loss, dev.acc)) {  // the same on every rank
        r.optimizer->gather_state();
        r.control.run_on_root([&] { store->save_best(r.model, *r.optimizer, meta_of(r), r.average); });
      }
      if (metrics) {
        metrics->write({{"kind", "eval"},
                        {"step", r.state.step},
                        {"dev_loss", dev.loss},
                        {"dev_acc", dev.acc},
                        {"tokens_processed", r.state.tokens_processed}},
                       wall_before + seconds_since(start));
        char buf[160];
        std::snprintf(buf, sizeof(buf), "eval step %lld: dev loss %.4f, dev acc %.4f (best dev loss %.4f at step %lld)",
                      static_cast<long long>(r.state.step), dev.loss, dev.acc, r.state.best_dev_loss,
                      static_cast<long long>(r.state.best_step));
        progress->message(buf);
      }
    }
    stop = policy.stop_after(r.state, res.stop);
    if (stop && stop->reason != StopReason::kBudgetDone && progress) progress->message(stop->message(t, r.state.step));
    if (!stop && policy.checkpoint_due(r.state.step)) save_step_checkpoint();
    if (policy.snapshot_due(r.state.step)) save_snapshot();
  }

  outcome.status = stop ? stop->status() : rundir::RunStatus::kCompleted;
  if (outcome.status == rundir::RunStatus::kPreempted) {
    save_step_checkpoint();  // agreed: complete before any rank exits
  } else {
    if (std::isnan(outcome.final_dev_loss)) {
      const DevResult dev = evaluate_dev(r);
      outcome.final_dev_loss = dev.loss;
      outcome.final_dev_acc = dev.acc;
    }
    save_step_checkpoint();
  }
  r.state.wall_s = wall_before + seconds_since(start);
  // Kept in the checkpoint, so a run resumed from its final checkpoint (a crash before the summary)
  // still reports it.
  outcome.final_train_loss = r.state.last_train_loss;
  r.control.run_on_root([&] {
    metrics->check();
    progress->finish();
    rundir::write_summary(r.dir, make_summary(r, outcome));
    print_outcome(r, outcome);
  });
  return outcome.status == rundir::RunStatus::kPreempted ? kExitCheckpointedRequeue : 0;
}

}  // namespace

int run_training(Config cfg, const comm::World& world) {
  const auto start = Clock::now();
  Run r(std::move(cfg), world);
  return run_or_abort(r, [&] { return train(r, start); });
}

}  // namespace sst
