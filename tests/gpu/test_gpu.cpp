// The GPU path (label gpu): each test needs a CUDA device and skips, saying why, without one.
//   - NCCL all-reduce and broadcast give the right sums, and gradient buckets reduced on NCCL's stream
//     while backward runs equal the sequential reduction (one rank per visible GPU);
//   - one CUDA training step equals the CPU step in fp32 (a few steps, losses and weights);
//   - bf16 on the GPU tracks fp32;
//   - --benchmark records the GPU memory estimate next to the caching allocator's peaks (the device
//     check reports their ratio);
//   - a checkpoint written on the GPU resumes on the CPU, and one written on the CPU resumes on the GPU;
//     on the GPU alone, with train.deterministic, a resumed run is bit-identical to a straight one;
//   - two ranks on one GPU train through the MPI fallback (host staging), say so in the log, and match
//     one rank.
// The data: SST-2 where SST2_DIR is set, else a small synthetic set in its format.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "comm/communicator.h"
#include "common/torch_compat.h"
#include "training_runs.h"

using namespace sst::test;

namespace {

// Why the GPU tests cannot run here, or "".
std::string no_gpu_reason() {
  if (!sst::compat::cuda_available())
    return "no CUDA device available to this build (LibTorch " + sst::compat::torch_version() + ") on this machine";
  return "";
}

#define SST_REQUIRE_GPU()                                          \
  do {                                                             \
    const std::string why = no_gpu_reason();                       \
    if (!why.empty()) GTEST_SKIP() << "GPU test skipped: " << why; \
  } while (0)

std::string dataset() { return sst2_dir().empty() ? synthetic_dataset() : prepared_sst2(); }

int gpus() { return static_cast<int>(torch::cuda::device_count()); }

// Dropout off: the CPU and CUDA generators draw different masks. Deterministic kernels: the same GPU run
// repeats bit for bit, so what is left between two runs below is the CPU's kernels against CUDA's
// (another summation order) or one rank against two, bounded by each test's stated tolerance.
const std::string kDeterministic = "--model.dropout=0 --train.deterministic=true";

std::vector<double> losses(const std::string& run) {
  std::vector<double> v;
  for (auto& r : train_records(run)) v.push_back(r["loss"].get<double>());
  return v;
}

void expect_losses_close(const std::vector<double>& a, const std::vector<double>& b, double rel,
                         const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_LE(std::abs(a[i] - b[i]) / std::abs(a[i]), rel)
        << what << ", step " << i + 1 << ": " << a[i] << " vs " << b[i];
}

}  // namespace

TEST(Nccl, AllReduceBroadcastAndOverlappedBucketsMatchTheSequentialPath) {
  SST_REQUIRE_GPU();
  if (!sst::comm::nccl_compiled()) GTEST_SKIP() << "GPU test skipped: this build has no NCCL";
  const int ranks = std::min(gpus(), 2);  // one rank per GPU
  auto r = run_command(mpirun(ranks) + " " + bin("mpi_allreduce_check") + " cuda");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK world=" + std::to_string(ranks) + " backend=nccl"), std::string::npos) << r.output;
}

TEST(CudaStep, EqualsTheCpuStepInFp32) {
  SST_REQUIRE_GPU();
  const std::string data = dataset();
  TempDir dir("gpu_step");
  for (const char* device : {"cpu", "cuda"}) {
    auto r = train_small(1, data, dir / device, kDeterministic + " --train.max_steps=5", 32, device);
    ASSERT_EQ(r.exit_code, 0) << device << ":\n" << r.output;
  }
  EXPECT_EQ(read_json(dir / "cuda/summary.json")["device"].get<std::string>().rfind("cuda", 0), 0u);
  // Different kernels sum in different orders: fp32 rounding, amplified a little by Adam over 5 steps.
  expect_losses_close(losses(dir / "cpu"), losses(dir / "cuda"), 1e-4, "cpu vs cuda");
  EXPECT_LE(model_rel_diff(final_params(dir / "cpu", 5), final_params(dir / "cuda", 5)), 1e-4);
}

TEST(CudaStep, Bf16TracksFp32) {
  SST_REQUIRE_GPU();
  const std::string data = dataset();
  TempDir dir("gpu_bf16");
  for (const char* precision : {"fp32", "bf16"}) {
    auto r = train_small(1, data, dir / precision,
                         kDeterministic + " --train.max_steps=30 --train.precision=" + precision, 32, "cuda");
    ASSERT_EQ(r.exit_code, 0) << precision << ":\n" << r.output;
  }
  auto a = losses(dir / "fp32"), b = losses(dir / "bf16");
  ASSERT_EQ(a.size(), b.size());
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(std::abs(a[i] - b[i]), 1e-2) << "step " << i + 1;  // the CPU test's bound (test_mixed_precision)
    differs = differs || a[i] != b[i];
  }
  EXPECT_TRUE(differs) << "bf16 gave exactly fp32's losses: autocast did not take effect";
}

// The estimate setup checks before the first step (train/memory_estimate.h) and what the caching
// allocator really held: both recorded. Their ratio is reported (bench.md, the device check's summary),
// not bounded here: no GPU has measured it yet.
TEST(CudaStep, BenchmarkRecordsTheMemoryEstimateAndTheAllocatorPeaks) {
  SST_REQUIRE_GPU();
  const std::string data = dataset();
  TempDir dir("gpu_memory");
  auto r = train_small(1, data, dir / "run", "--benchmark --benchmark.steps=3 --benchmark.warmup=1", 32, "cuda");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto m = read_json(dir / "run/benchmark.json")["gpu_memory"];
  ASSERT_TRUE(m.is_object()) << m;
  EXPECT_GT(m["estimate_bytes"].get<double>(), 0) << m;
  EXPECT_GT(m["peak_allocated_bytes"].get<double>(), 0) << m;
  EXPECT_GE(m["peak_reserved_bytes"].get<double>(), m["peak_allocated_bytes"].get<double>()) << m;
  std::printf("GPU memory estimate / allocator peak reserved: %.2f\n", m["estimate_over_peak_reserved"].get<double>());
}

TEST(Checkpoints, WrittenOnTheGpuResumeOnTheCpuAndBack) {
  SST_REQUIRE_GPU();
  const std::string data = dataset();
  TempDir dir("gpu_ckpt");
  const std::string args = kDeterministic + " --train.max_steps=10";
  auto straight = train_small(1, data, dir / "straight", args);
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  // GPU for 5 steps, then the CPU; and the other way round.
  for (auto [name, first, second] : {std::tuple{"gpu_then_cpu", "cuda", "cpu"}, {"cpu_then_gpu", "cpu", "cuda"}}) {
    auto a = train_small(1, data, dir / name, args + " --train.halt_at_step=5", 32, first);
    ASSERT_EQ(a.exit_code, 75) << name << ":\n" << a.output;
    auto b = train_small(1, data, dir / name, args + " --resume auto", 32, second);
    ASSERT_EQ(b.exit_code, 0) << name << ":\n" << b.output;
    EXPECT_NE(b.output.find("resumed from"), std::string::npos) << b.output;
    expect_losses_close(losses(dir / "straight"), losses(dir / name), 1e-4, name);
  }
}

// On one device with deterministic kernels, a resume is exact (tolerance 0): the weights, the AdamW
// moments and the step are copied into the live CUDA tensors (train/checkpoint.h).
TEST(Checkpoints, ResumedOnTheGpuIsBitExact) {
  SST_REQUIRE_GPU();
  const std::string data = dataset();
  TempDir dir("gpu_resume");
  const std::string args = kDeterministic + " --train.max_steps=10";
  auto straight = train_small(1, data, dir / "straight", args, 32, "cuda");
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  auto a = train_small(1, data, dir / "chunked", args + " --train.halt_at_step=5", 32, "cuda");
  ASSERT_EQ(a.exit_code, 75) << a.output;
  auto b = train_small(1, data, dir / "chunked", args + " --resume auto", 32, "cuda");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  expect_bit_identical(dir / "straight", dir / "chunked", 10, 5);
}

TEST(Fallback, TwoRanksOnOneGpuTrainThroughMpiAndMatchOneRank) {
  SST_REQUIRE_GPU();
  const std::string data = dataset();
  TempDir dir("gpu_shared");
  // Both ranks see only the first GPU, whatever the machine has.
  const std::string one_gpu = "CUDA_VISIBLE_DEVICES=0 ";
  const std::string args = kDeterministic + " --train.max_steps=10";
  auto one = run_command(one_gpu + mpirun(1) + " " + bin("sst-train") + small_run_args(data, dir / "w1", 32, "cuda") +
                         " " + args);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = run_command(one_gpu + mpirun(2) + " -x CUDA_VISIBLE_DEVICES " + bin("sst-train") +
                         small_run_args(data, dir / "w2", 32, "cuda") + " " + args);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const std::string log = read_text(dir / "w2/train.log");
  EXPECT_NE(log.find(sst::comm::nccl_compiled() ? "ranks 0, 1 share GPU" : "this build has no NCCL"), std::string::npos)
      << log;
  EXPECT_EQ(read_json(dir / "w2/summary.json")["backend"], "mpi");
  expect_losses_close(losses(dir / "w1"), losses(dir / "w2"), 1e-5, "1 rank vs 2 ranks on one GPU");
  // The collectives themselves, staged through the host.
  auto check = run_command(one_gpu + mpirun(2) + " -x CUDA_VISIBLE_DEVICES " + bin("mpi_allreduce_check") + " cuda");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("OK world=2 backend=mpi"), std::string::npos) << check.output;
}
