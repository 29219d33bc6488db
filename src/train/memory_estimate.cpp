#include "train/memory_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/error.h"

namespace sst {
namespace {

constexpr double kFloat = 4;  // bytes: parameters, moments and activations are float32

// A number from the first line of `path` ("max" or a missing file: infinity).
double read_number(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return std::numeric_limits<double>::infinity();
  try {
    return std::stod(word);
  } catch (const std::exception&) {
    return std::numeric_limits<double>::infinity();
  }
}

std::string gb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GB", bytes / 1e9);
  return buf;
}

}  // namespace

MemoryEstimate estimate_training_memory(const Config& cfg, int world_size) {
  const auto& m = cfg.model;
  const auto& t = cfg.train;
  MemoryEstimate e;
  e.params = parameter_count(m);
  // Weights, their gradient (one flat buffer), AdamW's two moments, and the average's copy.
  e.state_bytes = e.params * kFloat * (4 + (t.ema_decay > 0 ? 1 : 0));
  // Saved for backward, per token and layer (float32 values): about 16 of width d_model (LayerNorm
  // inputs and outputs, q/k/v, context, projection, residuals, dropout outputs), 4 of width ff_dim and 3
  // per head and key position (scores, softmax, dropout). Sequences are counted at max_len, the worst case.
  const double d = static_cast<double>(m.d_model), f = static_cast<double>(m.ff_dim);
  const double per_token_layer = 16 * d + 4 * f + 3 * static_cast<double>(m.heads) * static_cast<double>(m.max_len);
  const double micro_batch = static_cast<double>(t.global_batch) / (static_cast<double>(world_size) * t.accum_steps);
  const double tokens = std::max(1.0, micro_batch) * static_cast<double>(m.max_len);
  e.activation_bytes = kFloat * tokens * (static_cast<double>(m.layers) * per_token_layer + 4 * d);
  return e;
}

double available_memory_bytes() {
  double available = std::numeric_limits<double>::infinity();
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line))
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream in(line.substr(13));
      double kb = 0;
      if (in >> kb) available = kb * 1024;
    }
  // A container's limit (cgroup v2, then v1) may be far below the machine's memory.
  const double v2 = read_number("/sys/fs/cgroup/memory.max") - read_number("/sys/fs/cgroup/memory.current");
  const double v1 = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes") -
                    read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  for (double limit : {v2, v1})
    if (std::isfinite(limit)) available = std::min(available, limit);
  return available;
}

void check_memory_fits(const MemoryEstimate& e, const Config& cfg, int ranks_on_node, bool on_gpu) {
  const double limit = cfg.train.memory_limit_gb > 0 ? cfg.train.memory_limit_gb * 1e9 : available_memory_bytes();
  const double need = ranks_on_node * (on_gpu ? e.params * kFloat : e.per_rank());
  if (!(need > limit)) return;
  char params[32];
  std::snprintf(params, sizeof params, "%.3g", e.params);
  const std::string what = on_gpu
                               ? "the weights of " + std::string(params) + " parameters need " + gb(e.params * kFloat) +
                                     " of host memory per rank"
                               : "the model (" + std::string(params) + " parameters: " + gb(e.state_bytes) +
                                     " for weights, gradients and AdamW state) and a micro-batch of " +
                                     std::to_string(cfg.model.max_len) + "-token sequences (" + gb(e.activation_bytes) +
                                     " of activations) need about " + gb(e.per_rank()) + " per rank";
  throw UserError("config: " + what + ", " + gb(need) + " for the " + std::to_string(ranks_on_node) +
                  " rank(s) on this node, more than the " + gb(limit) +
                  (cfg.train.memory_limit_gb > 0 ? " of train.memory_limit_gb"
                                                 : " available (set train.memory_limit_gb to allow more)"));
}

double GpuMemoryEstimate::total() const {
  return 1.1 * (weights + gradients + optimizer_state + average + autocast_weights + checkpoint_copies + activations);
}

GpuMemoryEstimate estimate_gpu_memory(const Config& cfg, int world_size, bool fused_attention) {
  const auto& m = cfg.model;
  const auto& t = cfg.train;
  const bool bf16 = t.precision == Precision::kBf16;
  const double p = parameter_count(m), shard = t.shard_optimizer ? p / world_size : p;
  GpuMemoryEstimate e;
  e.weights = e.gradients = p * kFloat;
  e.optimizer_state = 3 * (t.fused_adamw ? shard : p) * kFloat;  // m, v and the denominator (or a temporary)
  e.average = t.ema_decay > 0 ? p * kFloat : 0;
  e.autocast_weights = bf16 ? p * 2 : 0;
  e.checkpoint_copies = 2 * p * kFloat;  // the moments gathered / cloned into torch::optim::AdamW's format
  // Per token and layer, as the host estimate (above): 16 values of width d_model, of which 12 are
  // matmul inputs or outputs (bf16 under autocast) and 4 stay fp32 (residuals, LayerNorm); 4 of width
  // ff_dim (bf16 under autocast); on the explicit path 3 fp32 values per head and key position (scores,
  // softmax, dropout), with SDPA only its log-sum-exp per head.
  const double d = static_cast<double>(m.d_model), f = static_cast<double>(m.ff_dim);
  const double h = static_cast<double>(m.heads), len = static_cast<double>(m.max_len);
  const double cast = bf16 ? 2 : kFloat;
  const double attention = fused_attention ? h * kFloat : 3 * h * len * kFloat;
  const double per_token_layer = 12 * d * cast + 4 * d * kFloat + 4 * f * cast + attention;
  const double micro_batch = static_cast<double>(t.global_batch) / (static_cast<double>(world_size) * t.accum_steps);
  const double tokens = std::max(1.0, micro_batch) * len;
  e.activations = tokens * (static_cast<double>(m.layers) * per_token_layer + 4 * d * kFloat);
  return e;
}

void check_gpu_memory_fits(const GpuMemoryEstimate& e, const Config& cfg, int ranks_on_gpu, double free_bytes,
                           const std::string& device) {
  const bool set = cfg.train.gpu_memory_gb > 0;
  if (!set && free_bytes < 0) return;  // no CUDA runtime in this build to ask: nothing to compare with
  const double limit = set ? cfg.train.gpu_memory_gb * 1e9 : free_bytes;
  const double need = ranks_on_gpu * e.total();
  if (!(need > limit)) return;
  throw UserError("config: on " + device + " each rank needs about " + gb(e.total()) + " (weights " + gb(e.weights) +
                  ", gradients " + gb(e.gradients) + ", optimizer state " + gb(e.optimizer_state) + ", average " +
                  gb(e.average) + ", bf16 weight copies " + gb(e.autocast_weights) + ", checkpoint copies " +
                  gb(e.checkpoint_copies) + ", activations of a micro-batch " + gb(e.activations) +
                  ", +10% fragmentation), " + gb(need) + " for the " + std::to_string(ranks_on_gpu) +
                  " rank(s) on it, more than the " + gb(limit) +
                  (set ? " of train.gpu_memory_gb" : " free (set train.gpu_memory_gb to allow more)"));
}

}  // namespace sst
