// The whole training step reads top to bottom in train_step(): forward/backward on this rank's
// micro-batches, one all-reduce of the gradients, clipping by the global norm, AdamW. Everything
// around it (setup, resume, evaluation, checkpoints, summary) is in run_training().
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/files.h"
#include "common/torch_compat.h"
#include "data/batch.h"
#include "data/sampler.h"
#include "dist/communicator.h"
#include "dist/grad_sync.h"
#include "model/transformer.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/metrics.h"
#include "train/schedule.h"
#include "train/signals.h"
#include "train/summary.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Dropout streams are reseeded every step from (seed, rank, step): the RNG state is a function of
// the step, which makes resume bit-exact without saving generator states.
uint64_t step_seed(uint64_t seed, int rank, int64_t step) {
  uint64_t h = seed * 0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(rank) + 1) * 0xbf58476d1ce4e5b9ULL;
  return h ^ (static_cast<uint64_t>(step) + 1) * 0x94d049bb133111ebULL;
}

torch::Device pick_device(const std::string& want, const dist::World& world) {
  if (want == "cpu" || (want == "auto" && !compat::cuda_available())) return torch::kCPU;
  if (!compat::cuda_available()) throw UserError("train.device = cuda, but no CUDA device is available to this build");
  return torch::Device(torch::kCUDA, world.local_rank % static_cast<int>(torch::cuda::device_count()));
}

struct StepResult {
  double loss = 0;  // mean over the global batch
  double grad_norm = 0;
  int64_t tokens = 0, examples = 0, truncated = 0;
  bool nonfinite = false, stop = false;
};

struct Run {
  Config cfg;
  dist::World world;
  torch::Device device = torch::kCPU;
  std::unique_ptr<data::DatasetFile> file;
  std::unique_ptr<data::SplitReader> train, dev;
  std::unique_ptr<data::GlobalBatchSampler> sampler;
  TransformerClassifier model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::unique_ptr<dist::Communicator> comm;
  std::unique_ptr<dist::GradientSynchronizer> grads;
  LrSchedule schedule{};
  int64_t total_steps = 0;
  int64_t train_tokens = 0;  // unique tokens in the train subset, as the model sees them (D)
  TrainState state;
  // Fault injection for tests (env SST_INJECT_NAN_AT_STEP, SST_INJECT_NAN_RANK): this rank's loss
  // becomes NaN at that step, to exercise train.nan_policy end to end.
  int64_t inject_nan_step = 0;
  int inject_nan_rank = 0;
};

// One optimizer step on this rank; every rank calls it with the same `step`.
StepResult train_step(Run& r, int64_t step) {
  const auto& t = r.cfg.train;
  const double lr = r.schedule.at(step);
  for (auto& group : r.optimizer->param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  torch::manual_seed(step_seed(t.seed, r.world.rank, step));
  r.grads->zero_grad();

  // This rank's B/W examples, split into accum_steps micro-batches.
  auto local = r.sampler->local_slice(step, r.world.rank, r.world.size);
  const int64_t micro = static_cast<int64_t>(local.size()) / t.accum_steps;
  StepResult res;
  double loss_sum = 0;
  for (int64_t m = 0; m < t.accum_steps; ++m) {
    std::vector<int64_t> ids(local.begin() + m * micro, local.begin() + (m + 1) * micro);
    auto b = r.train->batch(ids, r.cfg.model.max_len);
    auto logits = r.model->forward(b.ids.to(r.device), b.pad_mask.to(r.device));
    auto loss = torch::nn::functional::cross_entropy(
        logits.to(torch::kFloat), b.labels.to(r.device),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(t.label_smoothing));
    // Scaled by the global batch: the sum over ranks of these gradients is the global mean.
    if (step + 1 == r.inject_nan_step && r.world.rank == r.inject_nan_rank) loss = loss * NAN;
    (loss / static_cast<double>(t.global_batch)).backward();
    loss_sum += loss.item<double>();
    res.tokens += b.real_tokens;
    res.examples += b.size();
    res.truncated += b.truncated;
  }

  // Control values travel in one small all-reduce: loss, counters, and the flags every rank must
  // agree on (a stop signal on any rank; a non-finite loss on any rank).
  std::vector<double> control = {loss_sum, double(res.tokens), double(res.examples), double(res.truncated),
                                 stop_requested() ? 1.0 : 0.0, std::isfinite(loss_sum) ? 0.0 : 1.0};
  dist::allreduce_sum(control);
  r.grads->allreduce();
  res.loss = control[0] / static_cast<double>(t.global_batch);
  res.tokens = static_cast<int64_t>(control[1]);
  res.examples = static_cast<int64_t>(control[2]);
  res.truncated = static_cast<int64_t>(control[3]);
  res.stop = control[4] > 0;
  // The reduced gradient is identical on every rank, so its norm (and finiteness) is too.
  res.grad_norm = r.grads->grad_norm();
  res.nonfinite = control[5] > 0 || !std::isfinite(res.grad_norm);
  if (res.nonfinite) return res;  // the caller applies train.nan_policy; no update
  if (t.grad_clip > 0 && res.grad_norm > t.grad_clip) {
    torch::NoGradGuard no_grad;
    r.grads->flat().mul_(t.grad_clip / (res.grad_norm + 1e-6));
  }
  r.optimizer->step();
  return res;
}

json evaluate_dev(Run& r, double* loss, double* acc) {
  EvalSums s = evaluate_share(r.model, *r.dev, r.world.rank, r.world.size, r.device);
  std::vector<double> v = {s.loss_sum, s.correct, s.count};
  dist::allreduce_sum(v);
  *loss = v[0] / v[2];
  *acc = v[1] / v[2];
  return {{"kind", "eval"}, {"step", r.state.step}, {"dev_loss", *loss}, {"dev_acc", *acc},
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

// Everything before the first step: data, model, optimizer, communicator, resume.
void setup(Run& r) {
  auto& cfg = r.cfg;
  validate_config(cfg);
  const auto& t = cfg.train;
  if (t.global_batch % (r.world.size * t.accum_steps) != 0)
    throw UserError("config: train.global_batch = " + std::to_string(t.global_batch) +
                    " is not divisible by world size x train.accum_steps = " + std::to_string(r.world.size) + " x " +
                    std::to_string(t.accum_steps));
  ensure_writable_dir(cfg.out_dir);
  r.file = std::make_unique<data::DatasetFile>(cfg.data.path);
  r.train = std::make_unique<data::SplitReader>(*r.file, "train");
  r.dev = std::make_unique<data::SplitReader>(*r.file, "dev");
  cfg.model.vocab_size = r.file->tokenizer().vocab_size;

  auto pool = data::nested_subset(r.train->size(), cfg.data.fraction, cfg.data.subset_seed);
  for (int64_t id : pool) r.train_tokens += std::min<int64_t>(r.train->num_tokens(id), cfg.model.max_len - 1) + 1;
  r.sampler = std::make_unique<data::GlobalBatchSampler>(pool, t.global_batch, t.seed);
  r.total_steps = t.max_steps > 0 ? t.max_steps
                                  : std::max<int64_t>(1, std::llround(t.epochs * r.sampler->batches_per_epoch()));
  r.schedule = LrSchedule{t.lr, t.min_lr_ratio, t.warmup_steps, r.total_steps};

  int threads = static_cast<int>(t.threads);
  if (threads == 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / r.world.local_size);
  torch::set_num_threads(threads);
  r.device = pick_device(t.device, r.world);

  torch::manual_seed(t.seed);  // same initial weights on every rank
  r.model = TransformerClassifier(cfg.model);
  r.model->to(r.device);
  auto groups = split_for_weight_decay(r.model);
  std::vector<torch::optim::OptimizerParamGroup> pg;
  pg.emplace_back(groups.decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(t.lr).weight_decay(t.weight_decay)));
  pg.emplace_back(groups.no_decay,
                  std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(t.lr).weight_decay(0.0)));
  r.optimizer = std::make_unique<torch::optim::AdamW>(pg, torch::optim::AdamWOptions(t.lr));
  r.comm = dist::make_communicator(r.world, r.device);
  if (const char* e = std::getenv("SST_INJECT_NAN_AT_STEP")) r.inject_nan_step = std::atoll(e);
  if (const char* e = std::getenv("SST_INJECT_NAN_RANK")) r.inject_nan_rank = std::atoi(e);
  r.grads = std::make_unique<dist::GradientSynchronizer>(r.model->parameters(), *r.comm);
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
      if (newest) throw UserError("run directory " + r.cfg.out_dir + " already has checkpoints; pass --resume auto "
                                  "to continue it or choose another --out-dir");
    } else {
      path = r.cfg.resume;
    }
  }
  path = dist::broadcast_string(path);
  if (path.empty()) return;
  CheckpointMeta meta = load_checkpoint(path, r.model, r.optimizer.get(), r.device);
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
                      ", backend " + r.comm->name() + ", " + std::to_string(r.model->num_params()) + " params, " +
                      std::to_string(r.total_steps) + " steps of " + std::to_string(t.global_batch) + " examples");
  }

  double dev_loss = NAN, dev_acc = NAN, last_loss = NAN;
  std::string status = "completed";
  const double wall_before = r.state.wall_s;
  auto save_step_checkpoint = [&] {
    r.state.wall_s = wall_before + seconds_since(start);
    if (store) store->save_step(r.model, *r.optimizer, meta_of(r));
  };

  r.model->train();
  while (r.state.step < r.total_steps) {
    const int64_t step = r.state.step;
    auto t0 = Clock::now();
    StepResult res = train_step(r, step);
    const double step_s = seconds_since(t0);
    if (res.nonfinite) {
      if (t.nan_policy == "stop")
        throw CollectiveError("non-finite loss or gradient at step " + std::to_string(step + 1) +
                              " (train.nan_policy = stop); no checkpoint was written for it", world.is_root());
      ++r.state.skipped_steps;
      if (progress) progress->message("warning: non-finite loss/gradient at step " + std::to_string(step + 1) + ", skipped");
    }
    r.state.step = step + 1;
    r.state.tokens_processed += res.tokens;
    r.state.examples_processed += res.examples;
    last_loss = res.loss;

    if (world.is_root() && (r.state.step % t.log_every == 0 || r.state.step == 1)) {
      metrics->write({{"kind", "train"}, {"step", r.state.step}, {"epoch", double(step) / r.sampler->batches_per_epoch()},
                      {"loss", res.loss}, {"lr", r.schedule.at(step)}, {"grad_norm", res.grad_norm},
                      {"examples_per_s", res.examples / step_s}, {"tokens_per_s", res.tokens / step_s},
                      {"step_ms", 1e3 * step_s}, {"tokens_processed", r.state.tokens_processed},
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
        if (store) store->save_best(r.model, *r.optimizer, meta_of(r));
      } else {
        ++r.state.evals_without_improvement;
      }
      stop_early = t.patience > 0 && r.state.evals_without_improvement >= t.patience;
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
      if (progress) progress->message(std::string(res.stop ? "stop signal received" : "train.halt_at_step reached") +
                                      ": checkpointed at step " + std::to_string(r.state.step) +
                                      "; exit " + std::to_string(kExitCheckpointedRequeue) + " (requeue with --resume auto)");
      break;
    }
    if (stop_early) {
      status = "early_stopped";
      if (progress) progress->message("early stopping: no better dev loss in " + std::to_string(t.patience) + " evaluations");
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
    SummaryInputs s{r.cfg, r.model, r.state, r.train_tokens, static_cast<int64_t>(r.sampler->batches_per_epoch()),
                    status, dev_loss, dev_acc, last_loss, world.size, torch::get_num_threads(), r.device.str(),
                    r.comm->name()};
    write_summary(out + "/summary.json", s);
    if (status == "preempted")
      std::printf("preempted: checkpointed at step %lld of %lld; resume with --resume auto\n",
                  static_cast<long long>(r.state.step), static_cast<long long>(r.total_steps));
    else
      std::printf("%s: dev accuracy %.4f (best %.4f at step %lld), dev loss %.4f\n", status.c_str(), dev_acc,
                  r.state.best_dev_acc, static_cast<long long>(r.state.best_step), dev_loss);
    std::printf("run directory: %s\n  checkpoints: %s/checkpoints (best.pt, step_*.pt, manifest.json)\n"
                "  metrics:     %s/metrics.jsonl\n  summary:     %s/summary.json\n",
                out.c_str(), out.c_str(), out.c_str(), out.c_str());
    std::fflush(stdout);
  }
  dist::barrier();
  return status == "preempted" ? kExitCheckpointedRequeue : 0;
}

}  // namespace sst
