// The two properties that make a data-parallel trainer trustworthy:
//   N ranks compute what 1 rank computes (world-size invariance), and
//   a run stopped and resumed is bit-identical to one that never stopped.
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.h"
#include "train/checkpoint.h"

using namespace sst::test;

namespace {

// A small model and 50-100 short steps: fast on 2 cores, still a real transformer. All-reduce
// buckets of 20 KB make several buckets reduced while backward runs, and batches are
// length-bucketed (the default), so both properties below cover the fast paths.
std::string small_run_args(const std::string& data, const std::string& out) {
  return " --data " + data + " --out-dir " + out +
         " --model.d_model=32 --model.layers=2 --model.heads=4 --model.ff_dim=64 --model.max_len=48"
         " --train.global_batch=32 --train.lr=1e-3 --train.warmup_steps=10 --train.log_every=1"
         " --train.eval_every=25 --train.checkpoint_every=1000 --train.threads=1 --train.seed=11"
         " --train.allreduce_bucket_mb=0.02 --train.overlap_allreduce=true";
}

// The trained weights of a step checkpoint, or with `average` the weight average it holds.
std::map<std::string, torch::Tensor> final_params(const std::string& run, int64_t step, bool average = false) {
  char name[64];
  std::snprintf(name, sizeof(name), "/checkpoints/step_%08lld.pt", static_cast<long long>(step));
  auto meta = sst::read_checkpoint_meta(run + name);
  sst::TransformerClassifier model(meta.model);
  if (average)
    sst::load_evaluated_weights(run + name, model, torch::kCPU);
  else
    sst::load_checkpoint(run + name, model, nullptr, torch::kCPU);
  std::map<std::string, torch::Tensor> out;
  for (auto& p : model->named_parameters()) out[p.key()] = p.value().clone();
  return out;
}

std::vector<nlohmann::json> train_records(const std::string& run) {
  std::vector<nlohmann::json> v;
  for (auto& m : read_jsonl(run + "/metrics.jsonl"))
    if (m["kind"] == "train") v.push_back(m);
  return v;
}

// ||a - b|| / ||a|| for one parameter tensor.
double rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).norm().item<double>() / std::max(a.norm().item<double>(), 1e-12);
}

}  // namespace

TEST(WorldSizeInvariance, OneTwoAndFourRanksTrainTheSameModel) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("wsi");
  std::map<int, std::string> runs;
  for (int world : {1, 2, 4}) {
    runs[world] = dir / ("w" + std::to_string(world));
    // Dropout 0: per-rank dropout streams legitimately differ between world sizes.
    auto r = run_command(mpirun(world) + " " + bin("sst-train") + small_run_args(data, runs[world]) +
                         " --train.max_steps=50 --model.dropout=0");
    ASSERT_EQ(r.exit_code, 0) << "world " << world << ":\n" << r.output;
  }
  auto ref = train_records(runs[1]);
  auto ref_params = final_params(runs[1], 50);
  ASSERT_EQ(ref.size(), 50u);
  for (int world : {2, 4}) {
    const std::string log = read_text(runs[world] + "/train.log");
    EXPECT_NE(log.find("gradient bucket(s), overlapped with backward"), std::string::npos) << log;
    EXPECT_EQ(log.find("(1 gradient bucket(s)"), std::string::npos) << "expected several buckets:\n" << log;
    auto rec = train_records(runs[world]);
    ASSERT_EQ(rec.size(), ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
      double a = ref[i]["loss"], b = rec[i]["loss"];
      EXPECT_LE(std::abs(a - b) / std::abs(a), 1e-5)
          << "world " << world << " step " << i + 1 << ": " << a << " vs " << b;
      EXPECT_EQ(ref[i]["tokens_processed"], rec[i]["tokens_processed"]) << "the same examples at every step";
    }
    auto params = final_params(runs[world], 50);
    for (auto& [name, t] : ref_params)
      EXPECT_LE(rel_diff(t, params.at(name)), 1e-5) << "world " << world << " parameter " << name;
  }
}

TEST(BitExactResume, SixtyPlusFortyEqualsOneHundredStraight) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("resume");
  const std::string straight = dir / "straight", chunked = dir / "chunked";
  // Dropout and word dropout on: the per-step random streams must be restored too; and the weight
  // average, which is what gets evaluated.
  const std::string common =
      " --train.max_steps=100 --model.dropout=0.1 --model.word_dropout=0.1"
      " --train.ema_decay=0.9";
  auto a = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, straight) + common);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b1 = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, chunked) + common +
                        " --train.halt_at_step=60");
  ASSERT_EQ(b1.exit_code, 75) << "halting at a step checkpoints and asks for a requeue\n" << b1.output;
  auto b2 = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, chunked) + common + " --resume auto");
  ASSERT_EQ(b2.exit_code, 0) << b2.output;
  EXPECT_NE(b2.output.find("resumed from"), std::string::npos);

  auto pa = final_params(straight, 100), pb = final_params(chunked, 100);
  for (auto& [name, t] : pa) EXPECT_TRUE(torch::equal(t, pb.at(name))) << "parameter " << name << " differs";
  auto va = final_params(straight, 100, /*average=*/true), vb = final_params(chunked, 100, /*average=*/true);
  for (auto& [name, t] : va) {
    EXPECT_TRUE(torch::equal(t, vb.at(name))) << "averaged parameter " << name << " differs";
    EXPECT_FALSE(torch::equal(t, pa.at(name))) << "the average of " << name << " is not the weights";
  }

  auto ra = train_records(straight), rb = train_records(chunked);
  ASSERT_EQ(ra.size(), 100u);
  ASSERT_EQ(rb.size(), 100u) << "each step logged exactly once across the two processes";
  for (size_t i = 60; i < 100; ++i)
    for (const char* key : {"step", "loss", "lr", "grad_norm", "tokens_processed"})
      EXPECT_EQ(ra[i][key], rb[i][key]) << key << " at step " << i + 1;
  auto sa = read_json(straight + "/summary.json"), sb = read_json(chunked + "/summary.json");
  EXPECT_EQ(sa["best_dev_loss"], sb["best_dev_loss"]);
  EXPECT_EQ(sa["final_dev_acc"], sb["final_dev_acc"]);
}
