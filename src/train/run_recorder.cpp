#include "train/run_recorder.h"
#include "common/clock.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/files.h"
#include "train/checkpoint_store.h"
#include "train/metrics.h"

using nlohmann::json;

namespace sst {
namespace {

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

// The checkpoint files present, as the end message names them: only those that exist.
std::string checkpoints_present(const rundir::RunDir& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir.checkpoints(), ec))
    names.push_back(e.path().filename().string());
  auto has = [&](const std::string& name) { return std::count(names.begin(), names.end(), name) > 0; };
  std::string out;
  auto add = [&](bool present, const char* name) {
    if (present) out += (out.empty() ? "" : ", ") + std::string(name);
  };
  add(has("best.pt"), "best.pt");
  add(std::any_of(names.begin(), names.end(),
                  [](const std::string& n) { return rundir::RunDir::step_of_checkpoint_name(n).has_value(); }),
      "step_*.pt");
  add(has("manifest.json"), "manifest.json");
  return out;
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
  const std::string checkpoints = checkpoints_present(r.dir);
  std::error_code ec;
  std::printf("run directory: %s\n", r.cfg.out_dir.c_str());
  if (!checkpoints.empty()) std::printf("  checkpoints: %s (%s)\n", r.dir.checkpoints().c_str(), checkpoints.c_str());
  if (std::filesystem::exists(r.dir.metrics(), ec)) std::printf("  metrics:     %s\n", r.dir.metrics().c_str());
  if (std::filesystem::exists(r.dir.summary(), ec)) std::printf("  summary:     %s\n", r.dir.summary().c_str());
  std::fflush(stdout);
}

}  // namespace

RunRecorder::RunRecorder(Run& r, const std::vector<std::string>& notes, Clock::time_point start)
    : r_(r), start_(start), wall_before_(r.state.wall_s) {
  // Only now does anything in the run directory change: the run has been accepted by every rank.
  r_.control.run_on_root([&] {
    write_text_atomically(r_.dir.config_ini(), r_.cfg.resolved_ini);
    metrics_ =
        std::make_unique<MetricsLog>(r_.dir.metrics(), r_.state.step, r_.cfg.tensorboard ? r_.dir.tensorboard() : "");
    store_ = std::make_unique<CheckpointStore>(r_.dir, r_.cfg.train.keep_checkpoints);
    progress_ = std::make_unique<Progress>(r_.dir.train_log(), r_.total_steps, r_.state.step);
    for (const auto& n : notes) progress_->message(n);
  });
}

RunRecorder::~RunRecorder() = default;

double RunRecorder::wall_s() const { return wall_before_ + seconds_since(start_); }

void RunRecorder::stamp_wall_time() { r_.state.wall_s = wall_s(); }

void RunRecorder::message(const std::string& line) {
  if (root()) progress_->message(line);
}

void RunRecorder::train_step_done(const StepResult& res, int64_t step, double step_s) {
  const auto every = r_.cfg.train.log_every;
  if (!root() || (r_.state.step % every != 0 && r_.state.step != 1)) return;
  metrics_->write(train_record(r_, res, step, step_s), wall_s());
  progress_->update(r_.state.step, res.loss, res.tokens / step_s, r_.schedule.at(step));
}

void RunRecorder::eval_done(double dev_loss, double dev_acc) {
  if (!root()) return;
  metrics_->write({{"kind", "eval"},
                   {"step", r_.state.step},
                   {"dev_loss", dev_loss},
                   {"dev_acc", dev_acc},
                   {"tokens_processed", r_.state.tokens_processed}},
                  wall_s());
  char buf[160];
  std::snprintf(buf, sizeof(buf), "eval step %lld: dev loss %.4f, dev acc %.4f (best dev loss %.4f at step %lld)",
                static_cast<long long>(r_.state.step), dev_loss, dev_acc, r_.state.best_dev_loss,
                static_cast<long long>(r_.state.best_step));
  progress_->message(buf);
}

// A metrics line that could not be written fails the run here, where the ranks agree.
void RunRecorder::save_step() {
  stamp_wall_time();
  r_.optimizer->gather_state();
  r_.control.run_on_root([&] {
    metrics_->check();
    store_->save_step(r_.model, *r_.optimizer, meta_of(r_), r_.average);
  });
}

void RunRecorder::save_snapshot() {
  stamp_wall_time();
  r_.optimizer->gather_state();
  r_.control.run_on_root([&] {
    ensure_writable_dir(r_.dir.snapshots());
    save_checkpoint(r_.dir.snapshot(r_.state.step), r_.model, r_.optimizer.get(), meta_of(r_), r_.average);
  });
}

void RunRecorder::save_best() {
  r_.optimizer->gather_state();
  r_.control.run_on_root([&] { store_->save_best(r_.model, *r_.optimizer, meta_of(r_), r_.average); });
}

void RunRecorder::finish(const RunOutcome& outcome) {
  stamp_wall_time();
  r_.control.run_on_root([&] {
    metrics_->check();
    progress_->finish();
    rundir::write_summary(r_.dir, make_summary(r_, outcome));
    print_outcome(r_, outcome);
  });
}

}  // namespace sst
