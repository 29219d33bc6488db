#include "train/benchmark.h"
#include "common/clock.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "comm/gpu_placement.h"
#include "common/files.h"
#include "common/torch_compat.h"
#include "model/config.h"
#include "model/flops.h"
#include "train/step.h"

using nlohmann::json;

namespace sst {
namespace {

constexpr const char* kPhases[] = {"data", "forward", "backward", "allreduce", "wait", "optimizer"};
constexpr int kNumPhases = 6;

std::vector<double> as_vector(const PhaseTimes& t) {
  return {t.data, t.forward, t.backward, t.allreduce, t.wait, t.optimizer};
}

// Mean milliseconds per step of each phase, from one rank's summed seconds.
json breakdown_ms(const double* sums, int64_t steps) {
  json b = json::object();
  double total = 0;
  for (int p = 0; p < kNumPhases; ++p) {
    b[kPhases[p]] = 1e3 * sums[p] / static_cast<double>(steps);
    total += sums[p];
  }
  b["total"] = 1e3 * total / static_cast<double>(steps);
  return b;
}

std::string batches_text(const shard::GlobalBatchSampler& sampler, int64_t steps) {
  std::ostringstream os;
  for (int64_t s = 0; s < steps; ++s) {
    auto ids = sampler.global_batch(s);
    for (size_t i = 0; i < ids.size(); ++i) os << (i ? " " : "") << ids[i];
    os << "\n";
  }
  return os.str();
}

// The lengths the model sees ([CLS] + tokens, cut to max_len) of the examples of steps [first, end).
std::vector<int32_t> step_lengths(const Run& r, int64_t first, int64_t end) {
  std::vector<int32_t> lengths;
  for (int64_t s = first; s < end; ++s)
    for (int64_t id : r.sampler->global_batch(s)) lengths.push_back(r.train_lengths[static_cast<size_t>(id)]);
  return lengths;
}

// On a GPU: the memory estimate setup checked (train/memory_estimate.h) against the caching allocator's
// peaks over the warm-up and timed steps; null on the CPU.
json gpu_memory_json(const Run& r) {
  if (!r.device.is_cuda()) return nullptr;
  const comm::GpuPeakMemory peak = comm::gpu_peak_memory(r.device.index());
  json j = {{"estimate_bytes", r.gpu_memory_estimate},
            {"peak_allocated_bytes", peak.allocated},
            {"peak_reserved_bytes", peak.reserved}};
  if (peak.reserved > 0) j["estimate_over_peak_reserved"] = r.gpu_memory_estimate / peak.reserved;
  return j;
}

// What the timed steps (after the warm-up) measured on this rank.
struct TimedSteps {
  std::vector<double> step_s;
  std::vector<double> phase_sums = std::vector<double>(kNumPhases, 0.0);
  int64_t examples = 0, tokens = 0, padded = 0;
  double wall = 0, last_loss = 0;
};

// Root only: batches.txt and the line saying what runs.
void announce(const Run& r, int64_t total) {
  const auto& b = r.cfg.benchmark;
  // Before the first step: once steps run, the prefetch thread owns r.sampler.
  write_text_atomically(r.cfg.out_dir + "/batches.txt", batches_text(*r.sampler, total));
  std::printf(
      "sst-train --benchmark: %d rank(s) x %d thread(s), device %s, backend %s, %lld params, "
      "%lld warm-up + %lld timed steps of %lld examples\n",
      r.world.size, torch::get_num_threads(), r.device.str().c_str(), r.comm->name().c_str(),
      static_cast<long long>(r.model->num_params()), static_cast<long long>(b.warmup), static_cast<long long>(b.steps),
      static_cast<long long>(r.cfg.train.global_batch));
  if (!r.comm_note.empty()) std::printf("%s\n", r.comm_note.c_str());
  std::fflush(stdout);
}

TimedSteps run_steps(Run& r, int64_t total) {
  r.model->train();
  TimedSteps m;
  for (int64_t step = 0; step < total; ++step) {
    const auto t0 = SteadyClock::now();
    StepResult res = train_step(r, step);
    const double s = seconds_since(t0);
    if (step < r.cfg.benchmark.warmup) continue;
    m.step_s.push_back(s);
    m.wall += s;
    auto phases = as_vector(res.times);
    for (int p = 0; p < kNumPhases; ++p) m.phase_sums[p] += phases[p];
    m.examples += res.examples;
    m.tokens += res.tokens;
    m.padded += res.padded_tokens;
    m.last_loss = res.loss;
  }
  return m;
}

// Every rank's breakdown, gathered as one sum over zero-filled per-rank slots.
json per_rank_breakdowns(Run& r, const TimedSteps& m) {
  const comm::World& world = r.world;
  std::vector<double> all(static_cast<size_t>(world.size) * kNumPhases, 0.0);
  std::copy(m.phase_sums.begin(), m.phase_sums.end(), all.begin() + static_cast<ptrdiff_t>(world.rank) * kNumPhases);
  r.control.sum(all);
  json per_rank = json::array();
  for (int k = 0; k < world.size; ++k)
    per_rank.push_back(
        {{"rank", k}, {"breakdown_ms", breakdown_ms(all.data() + k * kNumPhases, r.cfg.benchmark.steps)}});
  return per_rank;
}

// benchmark.json: the run's setting, the throughput, the step times and each rank's breakdown.
json benchmark_json(const Run& r, const TimedSteps& m, const json& per_rank, double t_eff, double flops_per_token) {
  std::vector<double> sorted = m.step_s;
  std::sort(sorted.begin(), sorted.end());
  const auto& t = r.cfg.train;
  const auto& b = r.cfg.benchmark;
  const double wall = m.wall, tokens = static_cast<double>(m.tokens);
  return {
      {"implementation", "cpp"},
      {"torch_version", compat::torch_version()},
      {"config", r.cfg.source_file},
      {"model", model_json(r.cfg.model)},
      {"params", r.model->num_params()},
      {"world_size", r.world.size},
      {"threads_per_rank", torch::get_num_threads()},
      {"device", r.device.str()},
      {"backend", r.comm->name()},
      {"global_batch", t.global_batch},
      {"accum_steps", t.accum_steps},
      {"warmup", b.warmup},
      {"steps", b.steps},
      {"bucket_window", t.bucket_window},
      {"prefetch", r.batches->background()},
      {"overlap_allreduce", r.grads->overlapping()},
      {"allreduce_buckets", r.grads->num_buckets()},
      {"optimizer", r.optimizer->name()},
      {"optimizer_state_bytes_per_rank", r.optimizer->state_bytes()},
      {"sparse_embedding_steps", r.grads->sparse_steps()},
      {"sparse_counts_apart", r.grads->row_count_allreduces()},
      {"precision", enum_name(t.precision)},
      // Model FLOPs done per second: flops_per_token (6 N + 12 L d T_eff) x non-pad tokens/s.
      {"non_embedding_params", r.model->num_non_embedding_params()},
      {"effective_length", t_eff},
      {"flops_per_token", flops_per_token},
      {"model_gflops_per_s", flops_per_token * tokens / wall / 1e9},
      {"examples_per_s", static_cast<double>(m.examples) / wall},
      {"tokens_per_s", tokens / wall},
      {"pad_fraction", 1.0 - tokens / static_cast<double>(std::max<int64_t>(1, m.padded))},
      {"step_ms",
       {{"min", 1e3 * sorted.front()}, {"median", 1e3 * sorted[sorted.size() / 2]}, {"max", 1e3 * sorted.back()}}},
      {"breakdown_ms", per_rank[0]["breakdown_ms"]},
      {"per_rank", per_rank},
      {"final_loss", m.last_loss},
      {"gpu_memory", gpu_memory_json(r)},
  };
}

void print_report(const Run& r, const json& out) {
  std::printf("%.1f examples/s, %.0f tokens/s (non-pad; %.1f%% padding), step %.1f ms median\n",
              out["examples_per_s"].get<double>(), out["tokens_per_s"].get<double>(),
              100 * out["pad_fraction"].get<double>(), out["step_ms"]["median"].get<double>());
  for (const auto& pr : out["per_rank"]) {
    std::printf("  rank %d ms/step:", pr["rank"].get<int>());
    for (const char* p : kPhases) std::printf(" %s %.2f", p, pr["breakdown_ms"][p].get<double>());
    std::printf("\n");
  }
  std::printf("wrote %s/benchmark.json and %s/batches.txt\n", r.cfg.out_dir.c_str(), r.cfg.out_dir.c_str());
  std::fflush(stdout);
}

// Setup, the timed steps, and the report.
int benchmark(Run& r) {
  setup(r);
  r.sync_timers = true;
  const auto& b = r.cfg.benchmark;
  const int64_t total = b.warmup + b.steps;
  // MFU's attention term over the timed batches themselves (model/flops.h); the reference trains on them.
  const double t_eff = effective_length(step_lengths(r, b.warmup, total));
  const double flops_per_token = r.model->train_flops_per_token(t_eff);
  if (r.world.is_root()) announce(r, total);
  const TimedSteps m = run_steps(r, total);
  const json per_rank = per_rank_breakdowns(r, m);
  if (r.world.is_root()) {
    const json out = benchmark_json(r, m, per_rank, t_eff, flops_per_token);
    write_text_atomically(r.dir.benchmark(), out.dump(2) + "\n");
    print_report(r, out);
  }
  r.control.barrier();
  return 0;
}

}  // namespace

int run_benchmark(Config cfg, const comm::World& world) {
  Run r(std::move(cfg), world);
  return run_or_abort(r, [&] { return benchmark(r); });
}

}  // namespace sst
