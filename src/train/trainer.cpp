// The training loop around train_step() (step.cpp): resume, evaluation and early stopping,
// checkpoints, stop signals, metrics and the summary.
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/metrics.h"
#include "train/signals.h"
#include "train/step.h"
#include "train/summary.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

json evaluate_dev(Run& r, double* loss, double* acc) {
  EvalSums s = evaluate_share(r.average ? r.average : r.model, *r.dev, r.world.rank, r.world.size, r.device);
  std::vector<double> v = {s.loss_sum, s.correct, s.count};
  dist::allreduce_sum(v);
  *loss = v[0] / v[2];
  *acc = v[1] / v[2];
  return {{"kind", "eval"},
          {"step", r.state.step},
          {"dev_loss", *loss},
          {"dev_acc", *acc},
          {"tokens_processed", r.state.tokens_processed}};
}

CheckpointMeta meta_of(const Run& r) {
  CheckpointMeta m;
  m.state = r.state;
  m.model = r.cfg.model;
  m.config_ini = r.cfg.resolved_ini;
  m.tokenizer = r.file->tokenizer();
  m.seed = r.cfg.train.seed;
  m.world_size = r.world.size;
  return m;
}

// Picks the checkpoint to start from (rank 0 decides, everyone loads the same file).
void resume(Run& r, Progress* progress) {
  CheckpointStore store(r.cfg.out_dir, r.cfg.train.keep_checkpoints);
  std::string path;
  if (r.world.is_root()) {
    std::vector<std::string> problems;
    auto newest = store.newest_valid(problems);
    for (const auto& p : problems) progress->message("warning: " + p + "; trying an older checkpoint");
    if (r.cfg.resume == "auto") {
      path = newest.value_or("");
      if (path.empty()) progress->message("resume auto: no valid checkpoint in " + store.dir() + ", starting fresh");
    } else if (r.cfg.resume == "none") {
      if (newest)
        throw UserError("run directory " + r.cfg.out_dir +
                        " already has checkpoints; pass --resume auto "
                        "to continue it or choose another --out-dir");
    } else {
      path = r.cfg.resume;
    }
  }
  path = dist::broadcast_string(path);
  if (path.empty()) return;
  CheckpointMeta meta = load_checkpoint(path, r.model, r.optimizer.get(), r.device, r.average);
  if (meta.seed != r.cfg.train.seed)
    throw UserError("checkpoint " + path + " was trained with train.seed = " + std::to_string(meta.seed) +
                    ", this run has " + std::to_string(r.cfg.train.seed));
  r.state = meta.state;
  if (progress) progress->message("resumed from " + path + " at step " + std::to_string(r.state.step));
}

}  // namespace

int run_training(Config cfg, const dist::World& world) {
  const auto start = Clock::now();
  Run r;
  r.cfg = std::move(cfg);
  r.world = world;
  dist::run_on_all_ranks([&] { setup(r); });
  const auto& t = r.cfg.train;
  const std::string out = r.cfg.out_dir;
  std::unique_ptr<Progress> progress;
  if (world.is_root()) {
    progress = std::make_unique<Progress>(out + "/train.log", r.total_steps, 0);
    write_text_atomically(out + "/config.ini", r.cfg.resolved_ini);
  }
  dist::run_on_all_ranks([&] { resume(r, progress.get()); });

  std::unique_ptr<MetricsLog> metrics;
  std::unique_ptr<CheckpointStore> store;
  if (world.is_root()) {
    metrics = std::make_unique<MetricsLog>(out + "/metrics.jsonl", r.state.step);
    store = std::make_unique<CheckpointStore>(out, t.keep_checkpoints);
    progress = std::make_unique<Progress>(out + "/train.log", r.total_steps, r.state.step);
    progress->message("sst-train: " + std::to_string(world.size) + " rank(s), " +
                      std::to_string(torch::get_num_threads()) + " thread(s)/rank, device " + r.device.str() +
                      ", backend " + r.comm->name() + " (" + std::to_string(r.grads->num_buckets()) +
                      " gradient bucket(s)" + (r.grads->overlapping() ? ", overlapped with backward), " : "), ") +
                      std::to_string(r.model->num_params()) + " params, " + std::to_string(r.total_steps) +
                      " steps of " + std::to_string(t.global_batch) + " examples");
  }

  double dev_loss = NAN, dev_acc = NAN, last_loss = NAN;
  // Early stopping: `patience` evaluations in a row without a better dev loss. A run that stopped
  // early is finished: resuming it (a requeued job, a re-launched script) trains nothing more.
  auto patience_exhausted = [&] { return t.patience > 0 && r.state.evals_without_improvement >= t.patience; };
  const bool stopped_before = patience_exhausted();
  if (stopped_before && progress)
    progress->message("this run already stopped early at step " + std::to_string(r.state.step) + "; nothing to train");
  std::string status = stopped_before ? "early_stopped" : "completed";
  const double wall_before = r.state.wall_s;
  auto save_step_checkpoint = [&] {
    r.state.wall_s = wall_before + seconds_since(start);
    if (store) store->save_step(r.model, *r.optimizer, meta_of(r), r.average);
  };

  r.model->train();
  while (!stopped_before && r.state.step < r.total_steps) {
    const int64_t step = r.state.step;
    auto t0 = Clock::now();
    StepResult res = train_step(r, step);
    const double step_s = seconds_since(t0);
    if (res.nonfinite) {
      if (t.nan_policy == "stop")
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
    last_loss = res.loss;

    if (world.is_root() && (r.state.step % t.log_every == 0 || r.state.step == 1)) {
      metrics->write({{"kind", "train"},
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
                      {"truncated", res.truncated}});
      progress->update(r.state.step, res.loss, res.tokens / step_s, r.schedule.at(step));
    }
    bool stop_early = false;
    if (r.state.step % t.eval_every == 0 || r.state.step == r.total_steps) {
      json rec = evaluate_dev(r, &dev_loss, &dev_acc);
      if (dev_loss < r.state.best_dev_loss) {
        r.state.best_dev_loss = dev_loss;
        r.state.best_dev_acc = dev_acc;
        r.state.best_step = r.state.step;
        r.state.evals_without_improvement = 0;
        if (store) store->save_best(r.model, *r.optimizer, meta_of(r), r.average);
      } else {
        ++r.state.evals_without_improvement;
      }
      stop_early = patience_exhausted();
      if (world.is_root()) {
        metrics->write(rec);
        char buf[160];
        std::snprintf(buf, sizeof(buf), "eval step %lld: dev loss %.4f, dev acc %.4f (best %.4f at step %lld)",
                      static_cast<long long>(r.state.step), dev_loss, dev_acc, r.state.best_dev_acc,
                      static_cast<long long>(r.state.best_step));
        progress->message(buf);
      }
    }
    // A stop after the last step is simply the end of the run.
    if ((res.stop || r.state.step == t.halt_at_step) && r.state.step < r.total_steps) {
      save_step_checkpoint();
      dist::barrier();  // the checkpoint is complete before any rank exits
      status = "preempted";
      if (progress)
        progress->message(std::string(res.stop ? "stop signal received" : "train.halt_at_step reached") +
                          ": checkpointed at step " + std::to_string(r.state.step) + "; exit " +
                          std::to_string(kExitCheckpointedRequeue) + " (requeue with --resume auto)");
      break;
    }
    if (stop_early) {
      status = "early_stopped";
      if (progress)
        progress->message("early stopping: no better dev loss in " + std::to_string(t.patience) + " evaluations");
      break;
    }
    if (r.state.step % t.checkpoint_every == 0 && r.state.step < r.total_steps) save_step_checkpoint();
  }
  if (status != "preempted") {
    if (std::isnan(dev_loss)) evaluate_dev(r, &dev_loss, &dev_acc);
    save_step_checkpoint();
  }
  r.state.wall_s = wall_before + seconds_since(start);
  if (world.is_root()) {
    progress->finish();
    SummaryInputs s{r.cfg,
                    r.model,
                    r.state,
                    r.train_tokens,
                    static_cast<int64_t>(r.sampler->batches_per_epoch()),
                    status,
                    dev_loss,
                    dev_acc,
                    last_loss,
                    world.size,
                    torch::get_num_threads(),
                    r.device.str(),
                    r.comm->name()};
    write_summary(out + "/summary.json", s);
    if (status == "preempted")
      std::printf("preempted: checkpointed at step %lld of %lld; resume with --resume auto\n",
                  static_cast<long long>(r.state.step), static_cast<long long>(r.total_steps));
    else
      std::printf("%s: dev accuracy %.4f (best %.4f at step %lld), dev loss %.4f\n", status.c_str(), dev_acc,
                  r.state.best_dev_acc, static_cast<long long>(r.state.best_step), dev_loss);
    std::printf(
        "run directory: %s\n  checkpoints: %s/checkpoints (best.pt, step_*.pt, manifest.json)\n"
        "  metrics:     %s/metrics.jsonl\n  summary:     %s/summary.json\n",
        out.c_str(), out.c_str(), out.c_str(), out.c_str());
    std::fflush(stdout);
  }
  dist::barrier();
  return status == "preempted" ? kExitCheckpointedRequeue : 0;
}

}  // namespace sst
