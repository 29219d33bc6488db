// Helpers for the tests that compare whole training runs (world-size invariance, bit-exact resume,
// mixed precision, GPU vs CPU): one small model's command line, and what a finished run left behind
// (its per-step train records, the parameters of a step checkpoint). Header-only: these need LibTorch
// and the trainer's checkpoint reader; test_support does not.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "test_support.h"
#include "train/checkpoint.h"

namespace sst::test {

// A small model and 50-100 short steps: fast on 2 cores, still a real transformer. All-reduce
// buckets of 20 KB make several buckets reduced while backward runs, and batches are
// length-bucketed (the default), so the properties checked with it cover the fast paths. On the CPU
// unless a GPU test names another `device`.
inline std::string small_run_args(const std::string& data, const std::string& out, int64_t global_batch = 32,
                                  const std::string& device = "cpu") {
  return " --data " + data + " --out-dir " + out + " --train.device=" + device +
         " --model.d_model=32 --model.layers=2 --model.heads=4 --model.ff_dim=64 --model.max_len=48"
         " --train.global_batch=" +
         std::to_string(global_batch) +
         " --train.lr=1e-3 --train.warmup_steps=10 --train.log_every=1"
         " --train.eval_every=25 --train.checkpoint_every=1000 --train.threads=1 --train.seed=11"
         " --train.allreduce_bucket_mb=0.02 --train.overlap_allreduce=true";
}

// `mpirun -np ranks sst-train` + small_run_args + extra.
inline CommandResult train_small(int ranks, const std::string& data, const std::string& out, const std::string& extra,
                                 int64_t global_batch = 32, const std::string& device = "cpu") {
  return run_command(mpirun(ranks) + " " + bin("sst-train") + small_run_args(data, out, global_batch, device) + " " +
                     extra);
}

// The trained weights of a step checkpoint, or with `average` the weight average it holds.
inline std::map<std::string, torch::Tensor> final_params(const std::string& run, int64_t step, bool average = false) {
  char name[64];
  std::snprintf(name, sizeof(name), "/checkpoints/step_%08lld.pt", static_cast<long long>(step));
  auto meta = sst::read_checkpoint_meta(run + name);
  sst::TransformerClassifier model(meta.model);
  if (average)
    sst::load_evaluated_weights(run + name, model);
  else
    sst::load_checkpoint(run + name, model, nullptr);
  std::map<std::string, torch::Tensor> out;
  for (auto& p : model->named_parameters()) out[p.key()] = p.value().clone();
  return out;
}

inline std::vector<nlohmann::json> train_records(const std::string& run) {
  std::vector<nlohmann::json> v;
  for (auto& m : read_jsonl(run + "/metrics.jsonl"))
    if (m["kind"] == "train") v.push_back(m);
  return v;
}

// ||a - b|| / ||a|| for one parameter tensor.
inline double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).norm().item<double>() / std::max(a.norm().item<double>(), 1e-12);
}

// ||a - b|| / ||a|| over all parameters of two runs' checkpoints together.
inline double model_rel_diff(const std::map<std::string, torch::Tensor>& a,
                             const std::map<std::string, torch::Tensor>& b) {
  double diff = 0, norm = 0;
  for (const auto& [name, t] : a) {
    diff += (t - b.at(name)).pow(2).sum().item<double>();
    norm += t.pow(2).sum().item<double>();
  }
  return std::sqrt(diff / std::max(norm, 1e-24));
}

// The parameter of two runs' checkpoints with the largest rel_diff, and that difference.
inline std::pair<std::string, double> worst_param(const std::map<std::string, torch::Tensor>& a,
                                                  const std::map<std::string, torch::Tensor>& b) {
  std::pair<std::string, double> worst{"", 0.0};
  for (const auto& [name, t] : a) {
    const double d = rel_diff(t, b.at(name));
    if (d >= worst.second) worst = {name, d};
  }
  return worst;
}

// The world-size-invariance tolerance on trained parameters: the whole model within 1e-5, each tensor
// within 1e-3. AdamW's step m / sqrt(v) turns a rounding-level difference in a near-zero gradient into a
// relative difference ten times larger in a small tensor (the 2-class head bias: 3-6e-5 on LibTorch 2.6);
// the whole-model bound stays at 1e-5 and the per-tensor one catches a tensor that went its own way.
constexpr double kSameModelRel = 1e-5, kSameTensorRel = 1e-3;
inline void expect_same_parameters(const std::map<std::string, torch::Tensor>& a,
                                   const std::map<std::string, torch::Tensor>& b, const std::string& what) {
  EXPECT_LE(model_rel_diff(a, b), kSameModelRel) << what;
  const auto worst = worst_param(a, b);
  EXPECT_LE(worst.second, kSameTensorRel) << what << ": parameter " << worst.first;
}

// The world-size tolerance on what each step logs: the loss and the gradient norm (taken from the reduced
// gradient before the optimizer: a wrong reduction shows there at once, even where AdamW's m / sqrt(v)
// would hide it in the update, e.g. a bucket summed instead of averaged).
constexpr double kSameLossRel = 1e-5, kSameGradNormRel = 1e-4;

// Where run `run` first departs from what `ref` trained, beyond the world-size tolerance ("" if nowhere):
// each step logged once, the same examples (tokens_processed), the loss and the gradient norm at every
// step, and the final parameters (whole model, and each tensor). `grad_norm` false leaves the gradient
// norm out (what the checks compared before; test_broken_reduction reports what that would have missed).
inline std::string training_difference(const std::string& ref, const std::string& run, int64_t steps,
                                       bool grad_norm = true) {
  auto a = train_records(ref), b = train_records(run);
  if (a.size() != static_cast<size_t>(steps)) return ref + ": " + std::to_string(a.size()) + " steps logged";
  if (b.size() != static_cast<size_t>(steps)) return run + ": " + std::to_string(b.size()) + " steps logged";
  auto rel = [](double x, double y) { return std::abs(x - y) / std::max(std::abs(x), 1e-30); };
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string at = " at step " + std::to_string(i + 1) + ": ";
    if (a[i]["tokens_processed"] != b[i]["tokens_processed"]) return "other examples" + at;
    const double la = a[i]["loss"], lb = b[i]["loss"], ga = a[i]["grad_norm"], gb = b[i]["grad_norm"];
    if (!(rel(la, lb) <= kSameLossRel)) return "loss" + at + std::to_string(la) + " vs " + std::to_string(lb);
    if (grad_norm && !(rel(ga, gb) <= kSameGradNormRel))
      return "gradient norm" + at + std::to_string(ga) + " vs " + std::to_string(gb);
  }
  const auto pa = final_params(ref, steps), pb = final_params(run, steps);
  if (const double d = model_rel_diff(pa, pb); !(d <= kSameModelRel))
    return "final parameters: the whole model differs by " + std::to_string(d);
  if (const auto worst = worst_param(pa, pb); !(worst.second <= kSameTensorRel))
    return "final parameters: " + worst.first + " differs by " + std::to_string(worst.second);
  return "";
}

// Run `run` trained what `ref` trained, within the world-size tolerance (training_difference).
inline void expect_same_training(const std::string& ref, const std::string& run, int64_t steps,
                                 const std::string& what) {
  EXPECT_EQ(training_difference(ref, run, steps), "") << what;
}

// Runs `a` and `b` (both to `steps`) are bit-identical: the same final parameters, each step logged once,
// and the same loss and gradient norm at every step from `from` on (a resumed run's second half).
inline void expect_bit_identical(const std::string& a, const std::string& b, int64_t steps, int64_t from) {
  auto pa = final_params(a, steps), pb = final_params(b, steps);
  for (auto& [name, t] : pa) EXPECT_TRUE(torch::equal(t, pb.at(name))) << "parameter " << name << " differs";
  auto ra = train_records(a), rb = train_records(b);
  ASSERT_EQ(ra.size(), static_cast<size_t>(steps)) << a;
  ASSERT_EQ(rb.size(), static_cast<size_t>(steps)) << b << ": each step logged exactly once";
  for (int64_t i = from; i < steps; ++i)
    for (const char* key : {"loss", "grad_norm"}) EXPECT_EQ(ra[i][key], rb[i][key]) << key << " at step " << i + 1;
}

}  // namespace sst::test
