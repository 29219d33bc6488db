// train/benchmark.h: sst-train --benchmark on one MPI rank (run_fixture.h's tiny model and data set, one
// warm-up and three timed steps). benchmark.json reports the run's setting, the throughput over the timed
// steps, their min/median/max times, each rank's per-phase breakdown and the model FLOP/s; batches.txt
// holds every global batch it trained on, warm-up first, for bench/reference_train.py to replay; nothing
// of a training run is written. A setting the ranks cannot run is refused before any file is written,
// and zero timed steps never reach it. Two ranks (on SST-2): tests/integration's Benchmark test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "dataset/dataset_file.h"
#include "run_fixture.h"
#include "shard/batch.h"
#include "shard/sampler.h"
#include "test_support.h"
#include "train/benchmark.h"

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace sst::run_test;

namespace {

const char* const kPhases[] = {"data", "forward", "backward", "allreduce", "wait", "optimizer"};

struct RunBenchmark : ::testing::Test {
  SharedDir tmp{"benchmark"};
  const std::string out = tmp / "run";

  // sst-train --benchmark's options for the tiny model on the tiny data, with `options` after them.
  sst::Config config(std::vector<std::string> options) const {
    std::vector<std::string> args = {"--benchmark", "--train.prefetch=false", "--train.bucket_window=0"};
    args.insert(args.end(), options.begin(), options.end());
    return tiny_run_config(write_tiny_data(tmp), out, args);
  }
  // run_benchmark on this process's rank; what it printed goes to `said`.
  int run(const sst::Config& cfg, std::string* said = nullptr) const {
    ::testing::internal::CaptureStdout();
    int code = -1;
    try {
      code = sst::run_benchmark(cfg, world());
    } catch (...) {
      ::testing::internal::GetCapturedStdout();
      throw;
    }
    const std::string printed = ::testing::internal::GetCapturedStdout();
    if (said) *said = printed;
    return code;
  }
};

}  // namespace

TEST_F(RunBenchmark, ReportsItsSettingThroughputStepTimesAndEachRanksBreakdown) {
  std::string said;
  ASSERT_EQ(run(config({"--benchmark.warmup=1", "--benchmark.steps=3"}), &said), 0);
  const json b = sst::test::read_json(out + "/benchmark.json");
  EXPECT_EQ(b.at("implementation"), "cpp");
  EXPECT_EQ(b.at("world_size"), 1);
  EXPECT_EQ(b.at("threads_per_rank"), 1);
  EXPECT_EQ(b.at("device"), "cpu");
  EXPECT_EQ(b.at("backend"), "mpi");
  EXPECT_EQ(b.at("global_batch"), 8);
  EXPECT_EQ(b.at("accum_steps"), 1);
  EXPECT_EQ(b.at("warmup"), 1);
  EXPECT_EQ(b.at("steps"), 3);
  EXPECT_EQ(b.at("bucket_window"), 0);
  EXPECT_EQ(b.at("prefetch"), false);
  EXPECT_EQ(b.at("overlap_allreduce"), false) << "one rank: nothing to overlap";
  EXPECT_GE(b.at("allreduce_buckets").get<int>(), 1);
  EXPECT_EQ(b.at("optimizer"), "fused_adamw");
  EXPECT_EQ(b.at("precision"), "fp32");
  EXPECT_EQ(b.at("model").at("d_model"), 16);
  EXPECT_LT(b.at("non_embedding_params").get<int64_t>(), b.at("params").get<int64_t>());
  EXPECT_TRUE(b.at("gpu_memory").is_null()) << "no GPU memory on the CPU";
  EXPECT_TRUE(std::isfinite(b.at("final_loss").get<double>()));

  // Step times and throughput over the 3 timed steps (24 examples): the mean step lies in [min, max].
  const auto& ms = b.at("step_ms");
  const double lo = ms.at("min"), median = ms.at("median"), hi = ms.at("max");
  EXPECT_GT(lo, 0);
  EXPECT_LE(lo, median);
  EXPECT_LE(median, hi);
  const double examples_per_s = b.at("examples_per_s"), tokens_per_s = b.at("tokens_per_s");
  EXPECT_GE(examples_per_s, 24 / (3 * hi / 1e3) * (1 - 1e-9));
  EXPECT_LE(examples_per_s, 24 / (3 * lo / 1e3) * (1 + 1e-9));
  const double tokens_per_example = tokens_per_s / examples_per_s;  // non-pad: [CLS] and 2-5 tokens
  EXPECT_GE(tokens_per_example, 3);
  EXPECT_LE(tokens_per_example, 6);
  const double pad = b.at("pad_fraction");
  EXPECT_GE(pad, 0);
  EXPECT_LT(pad, 1);

  // The phases of each rank, as mean ms per timed step, and their total; rank 0's is the headline.
  ASSERT_EQ(b.at("per_rank").size(), 1u);
  EXPECT_EQ(b.at("per_rank")[0].at("rank"), 0);
  const auto& breakdown = b.at("breakdown_ms");
  EXPECT_EQ(breakdown, b.at("per_rank")[0].at("breakdown_ms"));
  double sum = 0;
  for (const char* phase : kPhases) {
    EXPECT_GE(breakdown.at(phase).get<double>(), 0) << phase;
    sum += breakdown.at(phase).get<double>();
  }
  EXPECT_GT(breakdown.at("forward").get<double>(), 0);
  EXPECT_NEAR(breakdown.at("total").get<double>(), sum, 1e-9 * sum);
  EXPECT_LE(breakdown.at("total").get<double>(), hi * (1 + 1e-9)) << "the phases lie within the steps";

  // Model FLOPs (model/flops.h) over the timed batches: 6 N + 12 L d T_eff a token, T_eff within the lengths.
  const double t_eff = b.at("effective_length"), per_token = b.at("flops_per_token");
  EXPECT_GE(t_eff, tokens_per_example * (1 - 1e-9));
  EXPECT_LE(t_eff, 8);
  EXPECT_DOUBLE_EQ(per_token, 6.0 * b.at("non_embedding_params").get<double>() + 12.0 * 1 * 16 * t_eff);
  EXPECT_NEAR(b.at("model_gflops_per_s").get<double>(), per_token * tokens_per_s / 1e9,
              1e-9 * b.at("model_gflops_per_s").get<double>());

  EXPECT_THAT(said, HasSubstr("1 warm-up + 3 timed steps of 8 examples"));
  EXPECT_THAT(said, HasSubstr("rank 0 ms/step: data "));
  EXPECT_THAT(said, HasSubstr("wrote " + out + "/benchmark.json and " + out + "/batches.txt"));
  for (const char* name : {"checkpoints", "summary.json", "metrics.jsonl", "config.ini"})
    EXPECT_FALSE(fs::exists(out + "/" + name)) << name << ": a benchmark is not a training run";
}

TEST_F(RunBenchmark, BatchesTxtHoldsEveryGlobalBatchItTrainedOnWarmUpFirst) {
  const sst::Config cfg = config({"--benchmark.warmup=2", "--benchmark.steps=2", "--train.seed=5"});
  ASSERT_EQ(run(cfg), 0);
  // The batches of a run on this data (no length bucketing): the train subset's sampler from step 0.
  const sst::dataset::DatasetFile file(cfg.data.path);
  const sst::shard::SplitReader train(file, "train");
  const sst::shard::GlobalBatchSampler sampler(
      sst::shard::nested_subset(train.size(), cfg.data.fraction, cfg.data.subset_seed), 8, cfg.train.seed);
  std::istringstream lines(sst::test::read_text(out + "/batches.txt"));
  std::string line;
  int64_t step = 0;
  while (std::getline(lines, line)) {
    std::istringstream text(line);
    std::vector<int64_t> ids{std::istream_iterator<int64_t>(text), std::istream_iterator<int64_t>()};
    EXPECT_EQ(ids, sampler.global_batch(step)) << "line " << step + 1;
    ++step;
  }
  EXPECT_EQ(step, 4) << "2 warm-up + 2 timed steps";
}

TEST_F(RunBenchmark, RefusesABatchItsRanksCannotSplitBeforeWritingAnything) {
  const sst::Config cfg = config({"--benchmark.steps=2", "--train.accum_steps=3"});
  try {
    run(cfg);
    FAIL() << "a global batch of 8 in 3 accumulation steps was accepted";
  } catch (const sst::CollectiveError& e) {
    EXPECT_THAT(e.what(), HasSubstr("train.global_batch = 8 is not divisible by world size x train.accum_steps"));
  }
  EXPECT_FALSE(fs::exists(out + "/benchmark.json"));
  EXPECT_FALSE(fs::exists(out + "/batches.txt"));
}

TEST_F(RunBenchmark, ZeroTimedStepsAreRefusedWhenTheOptionsAreParsed) {
  try {
    config({"--benchmark.steps=0"});
    FAIL() << "a benchmark of no timed steps was accepted: nothing to report";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("benchmark.steps = 0"));
  }
}
