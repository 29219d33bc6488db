// train.precision = bf16 (autocast forward; fp32 weights, gradients, AdamW state and loss) keeps the
// guarantees of fp32 training: it tracks fp32's losses, different world sizes train the same model
// (within a bf16 tolerance), resume is bit-exact, and a checkpoint resumes in either precision.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "training_runs.h"

using namespace sst::test;

namespace {

// Tolerances, from measurements on this model (100 steps, SST-2): bf16 vs fp32 losses differ by at
// most 8e-4 per step (mean 2e-4); 1 vs 2 ranks in bf16 by at most 1.5e-3 relative per step, and their
// final parameter vectors by 6e-3 relative. Each bound below leaves 5-10x headroom; fp32's own
// world-size tolerance is 1e-5.
constexpr double kBf16StepLossAbs = 1e-2;
constexpr double kBf16MeanLossAbs = 3e-3;
constexpr double kBf16WorldSizeLossRel = 1e-2;
constexpr double kBf16WorldSizeParamRel = 3e-2;

std::vector<double> losses(const std::string& run) {
  std::vector<double> v;
  for (auto& r : train_records(run)) v.push_back(r["loss"].get<double>());
  return v;
}

}  // namespace

TEST(MixedPrecision, Bf16TracksFp32AndIsWorldSizeInvariant) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("bf16");
  const std::string fp32 = dir / "fp32_w1", bf16_w1 = dir / "bf16_w1", bf16_w2 = dir / "bf16_w2";
  // Dropout 0: per-rank dropout streams legitimately differ between world sizes.
  const std::string common = "--train.max_steps=100 --model.dropout=0";
  for (auto [ranks, out, precision] : {std::tuple{1, fp32, "fp32"}, {1, bf16_w1, "bf16"}, {2, bf16_w2, "bf16"}}) {
    auto r = train_small(ranks, data, out, common + " --train.precision=" + precision);
    ASSERT_EQ(r.exit_code, 0) << out << ":\n" << r.output;
  }
  auto ref = losses(fp32), b1 = losses(bf16_w1), b2 = losses(bf16_w2);
  ASSERT_EQ(ref.size(), 100u);
  ASSERT_EQ(b1.size(), 100u);
  ASSERT_EQ(b2.size(), 100u);
  double sum_abs = 0;
  bool differs = false;
  for (size_t i = 0; i < ref.size(); ++i) {
    EXPECT_LE(std::abs(b1[i] - ref[i]), kBf16StepLossAbs)
        << "step " << i + 1 << ": bf16 " << b1[i] << " fp32 " << ref[i];
    EXPECT_LE(std::abs(b2[i] - b1[i]) / std::abs(b1[i]), kBf16WorldSizeLossRel)
        << "step " << i + 1 << ": 2 ranks " << b2[i] << " vs 1 rank " << b1[i];
    sum_abs += std::abs(b1[i] - ref[i]);
    differs = differs || b1[i] != ref[i];
  }
  EXPECT_LE(sum_abs / static_cast<double>(ref.size()), kBf16MeanLossAbs);
  EXPECT_TRUE(differs) << "bf16 gave exactly fp32's losses: autocast did not take effect";
  // The whole parameter vector: a near-zero parameter (the head's bias) can differ by more, relatively.
  auto p1 = final_params(bf16_w1, 100), p2 = final_params(bf16_w2, 100);
  const auto worst = worst_param(p1, p2);
  EXPECT_LE(model_rel_diff(p1, p2), kBf16WorldSizeParamRel)
      << "largest difference: " << worst.first << " (" << worst.second << " relative)";
}

TEST(MixedPrecision, Bf16ResumeIsBitExactAndCheckpointsResumeInEitherPrecision) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("bf16_resume");
  const std::string straight = dir / "straight", chunked = dir / "chunked", cross = dir / "cross";
  const std::string bf16 = "--train.max_steps=100 --model.dropout=0.1 --model.word_dropout=0.1 --train.precision=bf16";
  auto a = train_small(2, data, straight, bf16);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b1 = train_small(2, data, chunked, bf16 + " --train.halt_at_step=60");
  ASSERT_EQ(b1.exit_code, 75) << b1.output;
  std::filesystem::copy(chunked, cross, std::filesystem::copy_options::recursive);
  auto b2 = train_small(2, data, chunked, bf16 + " --resume auto");
  ASSERT_EQ(b2.exit_code, 0) << b2.output;

  expect_bit_identical(straight, chunked, 100, 60);
  auto ra = train_records(straight);

  // The bf16 checkpoint of step 60 continues in fp32 (same format, fp32 weights and moments) ...
  auto c = train_small(2, data, cross,
                       "--train.max_steps=100 --model.dropout=0.1 --model.word_dropout=0.1 "
                       "--train.precision=fp32 --resume auto");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  auto rc = train_records(cross);
  ASSERT_EQ(rc.size(), 100u);
  for (size_t i = 60; i < 100; ++i)
    EXPECT_LE(std::abs(rc[i]["loss"].get<double>() - ra[i]["loss"].get<double>()), kBf16StepLossAbs)
        << "step " << i + 1;
  // ... and the fp32 checkpoint it ended with continues in bf16.
  auto d = train_small(2, data, cross,
                       "--train.max_steps=110 --model.dropout=0.1 --model.word_dropout=0.1 --train.precision=bf16 "
                       "--resume auto");
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_EQ(train_records(cross).size(), 110u);
}
