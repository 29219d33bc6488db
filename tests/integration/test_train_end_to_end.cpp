// The quick-start path on real data: sst-prep on SST-2, then `mpirun -np 2 sst-train` on the tiny
// config. Loss falls, every output is written, and dev accuracy reaches 0.75.
#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <numeric>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {
// `mpirun -np 2 sst-train` on configs/tiny.ini with one thread per rank, plus `extra` options.
CommandResult run_tiny_on_two_ranks(const std::string& data, const std::string& run, const std::string& extra = "") {
  return run_command(mpirun(2) + " " + bin("sst-train") + " --config " + sst::test::source_dir() +
                     "/configs/tiny.ini --data " + data + " --out-dir " + run + " --train.threads=1" + kOnCpu + extra);
}
}  // namespace

TEST(EndToEnd, TinyConfigOnTwoRanksLearnsSst2) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("e2e");
  const std::string run = dir / "run";
  auto r = run_tiny_on_two_ranks(data, run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dev accuracy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(run + "/summary.json"), std::string::npos) << "the run's outputs are printed";

  // Metrics: the loss of the last 5 logged steps is well below that of the first.
  auto metrics = read_jsonl(run + "/metrics.jsonl");
  std::vector<double> train_losses;
  for (auto& m : metrics)
    if (m["kind"] == "train") train_losses.push_back(m["loss"].get<double>());
  ASSERT_GE(train_losses.size(), 10u);
  double tail = std::accumulate(train_losses.end() - 5, train_losses.end(), 0.0) / 5;
  EXPECT_LT(tail, train_losses.front() - 0.15) << "first " << train_losses.front() << " last-5 mean " << tail;
  for (const char* key : {"step", "epoch", "loss", "lr", "grad_norm", "examples_per_s", "tokens_per_s", "step_ms"})
    EXPECT_TRUE(metrics.back().contains(key) || metrics[metrics.size() - 2].contains(key)) << key;

  // Checkpoints: best and last, listed with hashes in the manifest.
  EXPECT_TRUE(fs::exists(run + "/checkpoints/best.pt"));
  auto manifest = read_json(run + "/checkpoints/manifest.json");
  ASSERT_FALSE(manifest["checkpoints"].empty());
  EXPECT_EQ(manifest["checkpoints"].back()["step"], 400);
  EXPECT_EQ(manifest["checkpoints"].back()["sha256"].get<std::string>().size(), 64u);

  auto summary = read_json(run + "/summary.json");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["world_size"], 2);
  EXPECT_EQ(summary["steps"], 400);
  EXPECT_GT(summary["non_embedding_params"].get<int64_t>(), 0);
  EXPECT_LT(summary["non_embedding_params"].get<int64_t>(), summary["params"].get<int64_t>());
  EXPECT_DOUBLE_EQ(summary["flops"].get<double>(),
                   6.0 * summary["non_embedding_params"].get<double>() * summary["tokens_processed"].get<double>());
  EXPECT_GE(summary["best_dev_acc"].get<double>(), 0.75);
  EXPECT_GE(summary["final_dev_acc"].get<double>(), 0.75);
}

// Early stopping on dev loss ends the run, and resuming the finished run trains nothing more (a
// requeued Slurm job or a re-launched script must not extend it).
TEST(EndToEnd, EarlyStoppingEndsTheRunAndResumingItChangesNothing) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("early");
  const std::string run = dir / "run";
  const std::string stop = " --train.eval_every=5 --train.patience=1";
  auto r = run_tiny_on_two_ranks(data, run, stop);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto summary = read_json(run + "/summary.json");
  ASSERT_EQ(summary["status"], "early_stopped") << r.output;
  const int64_t steps = summary["steps"];
  EXPECT_LT(steps, 400);
  EXPECT_EQ(steps % 5, 0) << "it stops at an evaluation";
  const auto lines = read_jsonl(run + "/metrics.jsonl").size();

  auto again = run_tiny_on_two_ranks(data, run, stop + " --resume auto");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already stopped early"), std::string::npos) << again.output;
  auto after = read_json(run + "/summary.json");
  EXPECT_EQ(after["status"], "early_stopped");
  EXPECT_EQ(after["steps"], steps);
  EXPECT_EQ(after["best_dev_loss"], summary["best_dev_loss"]);
  EXPECT_EQ(read_jsonl(run + "/metrics.jsonl").size(), lines) << "no step was trained or logged again";
}

TEST(EndToEnd, HelpAndPrintConfigNeedNoData) {
  auto help = run_command(bin("sst-train") + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--model.d_model"), std::string::npos);
  auto printed =
      run_command(bin("sst-train") + " --config " + sst::test::source_dir() + "/configs/tiny.ini --print-config");
  EXPECT_EQ(printed.exit_code, 0);
  EXPECT_NE(printed.output.find("d_model = 64"), std::string::npos) << printed.output;
}

// Both collective timeouts follow one contract, listed in --help, and a bad value is refused before MPI
// starts with one line naming the variable and its value.
TEST(EndToEnd, TimeoutsAreListedInHelpAndABadOneIsRefusedInOneLine) {
  auto help = run_command(bin("sst-train") + " --help");
  for (const char* variable : {"SST_NCCL_TIMEOUT_S", "SST_COLLECTIVE_TIMEOUT_S"})
    EXPECT_NE(help.output.find(variable), std::string::npos) << variable;
  EXPECT_NE(help.output.find("0 = no deadline"), std::string::npos) << help.output;
  for (const char* variable : {"SST_NCCL_TIMEOUT_S", "SST_COLLECTIVE_TIMEOUT_S"}) {
    auto r = run_command(std::string(variable) + "=5m " + bin("sst-train") + " --config " + sst::test::source_dir() +
                         "/configs/tiny.ini --data missing.h5 --out-dir unused");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output,
              "sst-train: error: " + std::string(variable) + "=5m: not a number of seconds >= 0 (0: no timeout)\n");
  }
}

// --benchmark times real steps on every rank and leaves no training outputs behind.
TEST(Benchmark, TwoRanksWriteBreakdownAndTheirBatches) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("bench");
  const std::string run = dir / "run";
  auto r = run_tiny_on_two_ranks(data, run, " --benchmark --benchmark.steps=4 --benchmark.warmup=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto b = read_json(run + "/benchmark.json");
  EXPECT_EQ(b["world_size"], 2);
  EXPECT_EQ(b["steps"], 4);
  EXPECT_GT(b["examples_per_s"].get<double>(), 0);
  EXPECT_GT(b["tokens_per_s"].get<double>(), b["examples_per_s"].get<double>());
  ASSERT_EQ(b["per_rank"].size(), 2u);
  for (const auto& rank : b["per_rank"])
    for (const char* phase : {"data", "forward", "backward", "allreduce", "wait", "optimizer"})
      EXPECT_GE(rank["breakdown_ms"][phase].get<double>(), 0.0) << phase;
  EXPECT_GT(b["per_rank"][1]["breakdown_ms"]["forward"].get<double>(), 0.0) << "rank 1 reported its own times";
  // MFU's count (model/flops.h) over the timed batches: T_eff = sum t^2 / sum t is at least their mean
  // length, and model FLOP/s = flops_per_token x tokens/s. No GPU memory on the CPU.
  const double t_eff = b["effective_length"].get<double>(), per_token = b["flops_per_token"].get<double>();
  EXPECT_GE(t_eff, b["tokens_per_s"].get<double>() / b["examples_per_s"].get<double>() * (1 - 1e-9));
  EXPECT_LE(t_eff, b["model"]["max_len"].get<double>());
  EXPECT_DOUBLE_EQ(per_token,
                   6.0 * b["non_embedding_params"].get<double>() +
                       12.0 * b["model"]["layers"].get<double>() * b["model"]["d_model"].get<double>() * t_eff);
  EXPECT_NEAR(b["model_gflops_per_s"].get<double>(), per_token * b["tokens_per_s"].get<double>() / 1e9,
              1e-9 * b["model_gflops_per_s"].get<double>());
  EXPECT_TRUE(b["gpu_memory"].is_null());
  // One line of global_batch example ids per warm-up and timed step.
  std::istringstream lines(read_text(run + "/batches.txt"));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    std::istringstream ids(line);
    EXPECT_EQ(std::distance(std::istream_iterator<int64_t>(ids), std::istream_iterator<int64_t>()),
              b["global_batch"].get<int64_t>());
    ++n;
  }
  EXPECT_EQ(n, 6);
  EXPECT_FALSE(fs::exists(run + "/checkpoints")) << "a benchmark writes no checkpoints";
  EXPECT_FALSE(fs::exists(run + "/summary.json"));
}

// A sentence longer than model.max_len is not an error: it is truncated and counted.
TEST(EndToEnd, LongSentencesAreTruncatedAndCounted) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("trunc");
  const std::string run = dir / "run";
  auto r = run_command(sh_quote(bin("sst-train")) + " --config " + sst::test::source_dir() +
                       "/configs/tiny.ini --data " + sh_quote(data) + " --out-dir " + sh_quote(run) +
                       " --train.threads=1 --train.max_steps=4 --train.log_every=1 --model.max_len=8" + kOnCpu);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("error"), std::string::npos) << r.output;
  int64_t truncated = 0;
  int records = 0;
  for (const auto& m : read_jsonl(run + "/metrics.jsonl"))
    if (m["kind"] == "train") {
      ASSERT_TRUE(m.contains("truncated")) << m.dump();
      truncated += m["truncated"].get<int64_t>();
      ++records;
    }
  EXPECT_EQ(records, 4);
  EXPECT_GT(truncated, 0);
  EXPECT_EQ(read_json(run + "/summary.json")["status"], "completed");
}
