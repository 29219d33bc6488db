// The whole training step reads top to bottom in train_step(): this rank's micro-batches from the
// prefetcher, forward/backward (the last backward overlaps the bucketed gradient all-reduce), one
// small control all-reduce, clipping by the global norm, AdamW (and the weight average, if on).
#include "train/step.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "common/error.h"
#include "common/files.h"
#include "common/torch_compat.h"
#include "train/signals.h"

namespace sst {
namespace {

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

// Seconds since the previous lap; with sync, queued GPU work is counted in the phase that queued it.
class LapTimer {
 public:
  explicit LapTimer(const Run& r) : r_(r), last_(std::chrono::steady_clock::now()) {}
  double lap() {
    if (r_.sync_timers) compat::synchronize(r_.device);
    auto now = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  const Run& r_;
  std::chrono::steady_clock::time_point last_;
};

// This rank's B/W examples of global batch `step`, as accum_steps padded micro-batches on the
// training device. Runs on the prefetch thread.
std::vector<data::Batch> read_step_batches(const Run& r, int64_t step) {
  const auto& t = r.cfg.train;
  auto local = r.sampler->local_slice(step, r.world.rank, r.world.size);
  const int64_t micro = static_cast<int64_t>(local.size()) / t.accum_steps;
  std::vector<data::Batch> out;
  for (int64_t m = 0; m < t.accum_steps; ++m) {
    std::vector<int64_t> ids(local.begin() + m * micro, local.begin() + (m + 1) * micro);
    auto b = r.train->batch(ids, r.cfg.model.max_len);
    if (!r.device.is_cpu()) {
      b.ids = b.ids.to(r.device);
      b.pad_mask = b.pad_mask.to(r.device);
      b.labels = b.labels.to(r.device);
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

StepResult train_step(Run& r, int64_t step) {
  const auto& t = r.cfg.train;
  LapTimer timer(r);
  StepResult res;
  auto micro_batches = r.batches->get(step);
  res.times.data = timer.lap();

  const double lr = r.schedule.at(step);
  for (auto& group : r.optimizer->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  torch::manual_seed(step_seed(t.seed, r.world.rank, step));
  r.grads->zero_grad();
  double loss_sum = 0;
  for (size_t m = 0; m < micro_batches.size(); ++m) {
    const auto& b = micro_batches[m];
    auto logits = r.model->forward(b.ids, b.pad_mask);
    auto loss = torch::nn::functional::cross_entropy(
        logits.to(torch::kFloat), b.labels,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(t.label_smoothing));
    if (step + 1 == r.inject_nan_step && r.world.rank == r.inject_nan_rank) loss = loss * NAN;
    loss_sum += loss.item<double>();
    res.times.forward += timer.lap();
    // The last micro-batch's backward reduces gradient buckets as they become ready.
    if (m + 1 == micro_batches.size()) r.grads->arm();
    // Scaled by the global batch: the sum over ranks of these gradients is the global mean.
    (loss / static_cast<double>(t.global_batch)).backward();
    res.times.backward += timer.lap();
    res.tokens += b.real_tokens;
    res.padded_tokens += b.ids.numel();
    res.examples += b.size();
    res.truncated += b.truncated;
  }
  r.grads->finish();
  res.times.allreduce = timer.lap();

  // Control values travel in one small all-reduce: loss, counters, and the flags every rank must
  // agree on (a stop signal on any rank; a non-finite loss on any rank).
  std::vector<double> control = {loss_sum,
                                 double(res.tokens),
                                 double(res.examples),
                                 double(res.truncated),
                                 double(res.padded_tokens),
                                 stop_requested() ? 1.0 : 0.0,
                                 std::isfinite(loss_sum) ? 0.0 : 1.0};
  dist::allreduce_sum(control);
  res.loss = control[0] / static_cast<double>(t.global_batch);
  res.tokens = static_cast<int64_t>(control[1]);
  res.examples = static_cast<int64_t>(control[2]);
  res.truncated = static_cast<int64_t>(control[3]);
  res.padded_tokens = static_cast<int64_t>(control[4]);
  res.stop = control[5] > 0;
  res.times.wait = timer.lap();

  // The reduced gradient is identical on every rank, so its norm (and finiteness) is too.
  res.grad_norm = r.grads->grad_norm();
  res.nonfinite = control[6] > 0 || !std::isfinite(res.grad_norm);
  if (!res.nonfinite) {  // otherwise the caller applies train.nan_policy; no update
    if (t.grad_clip > 0 && res.grad_norm > t.grad_clip) {
      torch::NoGradGuard no_grad;
      r.grads->flat().mul_(t.grad_clip / (res.grad_norm + 1e-6));
    }
    r.optimizer->step();
    if (r.average) update_average(r.average, r.model, step < t.warmup_steps ? 0.0 : t.ema_decay);
  }
  res.times.optimizer = timer.lap();
  return res;
}

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
  r.train = std::make_unique<data::SplitReader>(*r.file, "train", cfg.data.preload);
  r.dev = std::make_unique<data::SplitReader>(*r.file, "dev", cfg.data.preload);
  cfg.model.vocab_size = r.file->tokenizer().vocab_size;

  // Lengths as the model sees them ([CLS] + tokens, truncated): D for the summary, and the sort
  // key of length bucketing.
  std::vector<int32_t> lengths(r.train->size());
  for (int64_t id = 0; id < r.train->size(); ++id)
    lengths[id] = static_cast<int32_t>(std::min<int64_t>(r.train->num_tokens(id), cfg.model.max_len - 1) + 1);
  auto pool = data::nested_subset(r.train->size(), cfg.data.fraction, cfg.data.subset_seed);
  for (int64_t id : pool) r.train_tokens += lengths[id];
  r.sampler =
      std::make_unique<data::GlobalBatchSampler>(pool, t.global_batch, t.seed, t.bucket_window, std::move(lengths));
  r.total_steps =
      t.max_steps > 0 ? t.max_steps : std::max<int64_t>(1, std::llround(t.epochs * r.sampler->batches_per_epoch()));
  r.schedule = LrSchedule{t.lr, t.min_lr_ratio, t.warmup_steps, r.total_steps};

  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  int threads = static_cast<int>(t.threads);
  if (threads == 0) threads = std::max(1, cores / r.world.local_size);
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
  if (t.ema_decay > 0) r.average = make_average(r.model);
  r.comm = dist::make_communicator(r.world, r.device);
  if (const char* e = std::getenv("SST_INJECT_NAN_AT_STEP")) r.inject_nan_step = std::atoll(e);
  if (const char* e = std::getenv("SST_INJECT_NAN_RANK")) r.inject_nan_rank = std::atoi(e);
  // A helper thread pays off when it does not take a core from the compute threads (measured on 2
  // cores, 2 ranks x 1 thread: overlap and prefetch each cost ~4%; see bench/RESULTS.md).
  const bool spare_core = cores > r.world.local_size * threads || !r.device.is_cpu();
  auto enabled = [&](const std::string& v) { return v == "true" || (v == "auto" && spare_core); };
  dist::GradSyncOptions sync;
  sync.bucket_bytes = static_cast<int64_t>(t.allreduce_bucket_mb * (1 << 20));
  sync.overlap = enabled(t.overlap_allreduce) && r.world.size > 1;  // alone, there is nothing to overlap
  r.grads = std::make_unique<dist::GradientSynchronizer>(r.model->parameters(), *r.comm, sync);
  r.batches = std::make_unique<data::BatchPrefetcher>([&r](int64_t step) { return read_step_batches(r, step); },
                                                      enabled(t.prefetch));
}

}  // namespace sst
