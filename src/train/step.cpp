// The whole training step reads top to bottom in train_step(): this rank's micro-batches from the
// prefetcher, forward/backward (the last backward overlaps the bucketed gradient reduction), one
// small control all-reduce (which also agrees on the next step's sparse rows), clipping by the global
// norm, AdamW (on this rank's shard, with sharding, then the all-gather of the updated parameters),
// and the weight average, if on. The control all-reduce is the step's only host collective.
#include "train/step.h"

#include <chrono>
#include <cmath>

#include "common/torch_compat.h"
#include "train/signals.h"
#include "train/weight_average.h"

namespace sst {
namespace {

// Dropout streams are reseeded every step from (seed, rank, step): the RNG state is a function of
// the step, which makes resume bit-exact without saving generator states.
uint64_t step_seed(uint64_t seed, int rank, int64_t step) {
  uint64_t h = seed * 0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(rank) + 1) * 0xbf58476d1ce4e5b9ULL;
  return h ^ (static_cast<uint64_t>(step) + 1) * 0x94d049bb133111ebULL;
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

// What every rank contributes to the step's one control all-reduce; after it, each field is the sum
// over ranks.
struct StepControl {
  double loss_sum = 0;      // summed per-example losses
  double grad_norm_sq = 0;  // squared norm of this rank's shard of the reduced gradient
  double tokens = 0, examples = 0, truncated = 0, padded_tokens = 0;
  double ranks_stopping = 0;   // ranks that saw a stop signal
  double ranks_nonfinite = 0;  // ranks whose local loss is not finite
};

// The step's one control all-reduce, after this rank's part of the step (its loss on the device, its
// host counters in `res`).
StepControl sum_control(Run& r, int64_t step, const torch::Tensor& loss_sum, const StepResult& res) {
  // The one device-to-host transfer of the step: this rank's loss and the squared norm of its shard of
  // the reduced gradient. Then the control values travel in one small all-reduce: loss, the squared
  // norms (summed: the global norm, the same on every rank with or without sharding), counters, and
  // the flags every rank must agree on (a stop signal on any rank; a non-finite loss on any rank). The
  // stop flag rides along every step because the loss has to anyway.
  const auto device_values = torch::stack({loss_sum, r.grads->shard_grad_norm().to(torch::kDouble).square()}).cpu();
  StepControl c;
  c.loss_sum = device_values[0].item<double>();
  c.grad_norm_sq = device_values[1].item<double>();
  c.tokens = double(res.tokens);
  c.examples = double(res.examples);
  c.truncated = double(res.truncated);
  c.padded_tokens = double(res.padded_tokens);
  c.ranks_stopping = stop_requested() ? 1.0 : 0.0;
  c.ranks_nonfinite = std::isfinite(c.loss_sum) ? 0.0 : 1.0;
  // With sparse embedding gradients, the next step's touched-row counts ride along (one slot per rank),
  // read from the next step's input, which the prefetcher has usually staged by now: so no host
  // collective sits between the next step's forward and backward.
  std::vector<double> next_rows;
  if (r.grads->needs_row_counts()) {
    next_rows.assign(static_cast<size_t>(r.world.size), 0.0);
    next_rows[r.world.rank] = static_cast<double>(r.batches->peek(step + 1).token_rows.numel());
  }
  r.control.sum({&c.loss_sum, &c.grad_norm_sq, &c.tokens, &c.examples, &c.truncated, &c.padded_tokens,
                 &c.ranks_stopping, &c.ranks_nonfinite},
                next_rows);
  if (!next_rows.empty()) {
    r.row_counts.assign(next_rows.begin(), next_rows.end());
    r.row_counts_step = step + 1;
  }
  return c;
}

}  // namespace

StepResult train_step(Run& r, int64_t step) {
  const auto& t = r.cfg.train;
  LapTimer timer(r);
  StepResult res;
  const auto input = r.batches->get(step);
  const auto& micro_batches = input.micro;
  res.times.data = timer.lap();

  torch::manual_seed(step_seed(t.seed, r.world.rank, step));
  r.grads->zero_grad();
  if (input.token_rows.defined()) {
    // Every rank's count of touched rows, agreed in the previous step's control all-reduce if that
    // step was step - 1 (otherwise arm() agrees on them with a small all-reduce of its own).
    std::vector<int64_t> counts;
    if (r.row_counts_step == step) counts = std::move(r.row_counts);
    r.grads->set_touched_rows(input.token_rows, input.token_rows_device, std::move(counts));
  }
  r.row_counts_step = -1;
  // Nothing in this loop reads a device value on the host (on a GPU, the host runs ahead queueing
  // kernels): the loss is summed on the device, the counters are host numbers from the batches.
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(r.device));
  for (size_t m = 0; m < micro_batches.size(); ++m) {
    const auto& b = micro_batches[m];
    torch::Tensor logits;
    {
      compat::AutocastGuard autocast(r.device, t.precision == Precision::kBf16);
      logits = r.model->forward(b.ids, b.pad_mask);
    }
    // The loss in fp32 whatever the forward's precision.
    auto loss = torch::nn::functional::cross_entropy(
        logits.to(torch::kFloat), b.labels,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(t.label_smoothing));
    if (r.loss_hook) loss = r.loss_hook(loss, step);
    loss_sum += loss.detach().to(torch::kDouble);
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

  const StepControl c = sum_control(r, step, loss_sum, res);
  res.loss = c.loss_sum / static_cast<double>(t.global_batch);
  res.grad_norm = std::sqrt(c.grad_norm_sq);
  res.tokens = static_cast<int64_t>(c.tokens);
  res.examples = static_cast<int64_t>(c.examples);
  res.truncated = static_cast<int64_t>(c.truncated);
  res.padded_tokens = static_cast<int64_t>(c.padded_tokens);
  res.stop = c.ranks_stopping > 0;
  res.times.wait = timer.lap();

  // The norm (and its finiteness) is the same on every rank. Clipping multiplies by a host number
  // already here: no further round trip. With sharding, each rank clips and updates its shard, and the
  // updated shards are then all-gathered.
  res.nonfinite = c.ranks_nonfinite > 0 || !std::isfinite(res.grad_norm);
  if (!res.nonfinite) {  // otherwise the caller applies train.nan_policy; no update
    torch::NoGradGuard no_grad;
    if (t.grad_clip > 0 && res.grad_norm > t.grad_clip) r.grads->scale_gradients(t.grad_clip / (res.grad_norm + 1e-6));
    r.optimizer->step(r.schedule.at(step));
    r.grads->gather_parameters();
    if (r.average) update_average(r.average, r.model, step < t.warmup_steps ? 0.0 : t.ema_decay);
  }
  res.times.optimizer = timer.lap();
  return res;
}

}  // namespace sst
