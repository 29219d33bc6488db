// Metrics and calibration (analysis/eval/metrics.h) against values computed by hand.
#include "analysis/eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "tests/analysis/eval/predictions.h"

namespace sst::analysis::eval {
namespace {

using testing::fixture_probs;
using testing::kLabels;

TEST(AnalysisMetrics, AccuracyPrfConfusionLogLossByHand) {
  const BinaryMetrics m = compute_metrics(kLabels, fixture_probs());
  EXPECT_EQ(m.n, 8);
  // confusion[true][pred]: TN 2, FP 2, FN 1, TP 3.
  EXPECT_EQ(m.confusion[0][0], 2);
  EXPECT_EQ(m.confusion[0][1], 2);
  EXPECT_EQ(m.confusion[1][0], 1);
  EXPECT_EQ(m.confusion[1][1], 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 5.0 / 8);
  EXPECT_DOUBLE_EQ(m.per_class[1].precision, 3.0 / 5);
  EXPECT_DOUBLE_EQ(m.per_class[1].recall, 3.0 / 4);
  EXPECT_NEAR(m.per_class[1].f1, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.per_class[0].precision, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(m.per_class[0].recall, 0.5);
  EXPECT_NEAR(m.per_class[0].f1, 4.0 / 7, 1e-12);
  EXPECT_EQ(m.per_class[0].support, 4);
  EXPECT_EQ(m.per_class[1].support, 4);
  EXPECT_NEAR(m.macro_f1, 13.0 / 21, 1e-12);
  const double ll = -(2 * std::log(0.9) + std::log(0.6) + 2 * std::log(0.3) + 2 * std::log(0.8) + std::log(0.45)) / 8;
  EXPECT_NEAR(m.log_loss, ll, 1e-12);
}

TEST(AnalysisMetrics, ZeroDivisionAndBadInput) {
  // Never predicts positive: precision of class 1 is 0 by convention, not NaN.
  const BinaryMetrics m = compute_metrics({0, 1}, {{0.9, 0.1}, {0.8, 0.2}});
  EXPECT_EQ(m.per_class[1].precision, 0.0);
  EXPECT_EQ(m.per_class[1].f1, 0.0);
  EXPECT_THROW(compute_metrics({0, 2}, {{1, 0}, {1, 0}}), UserError);
  EXPECT_THROW(compute_metrics({0}, {{1, 0}, {1, 0}}), UserError);
  EXPECT_THROW(compute_metrics({}, {}), UserError);
  // A certain mistake stays finite (P clamped to 1e-12).
  EXPECT_NEAR(compute_metrics({1}, {{1.0, 0.0}}).log_loss, -std::log(1e-12), 1e-9);
}

std::vector<int> labels_with_correct(int n, int correct) {
  std::vector<int> l(n, 0);
  for (int i = 0; i < correct; ++i) l[i] = 1;
  return l;
}

TEST(AnalysisMetrics, ExpectedCalibrationErrorKnownCases) {
  const std::vector<Probs> p(10, Probs{0.2, 0.8});
  Calibration c = calibration(labels_with_correct(10, 8), p, 15);
  EXPECT_NEAR(c.ece, 0.0, 1e-12);
  ASSERT_EQ(c.bins.size(), 15u);
  EXPECT_EQ(c.bins[11].count, 10);  // 0.8 is in (11/15, 12/15]
  EXPECT_NEAR(c.bins[11].accuracy, 0.8, 1e-12);
  c = calibration(labels_with_correct(10, 5), p, 15);
  EXPECT_NEAR(c.ece, 0.3, 1e-12);
  EXPECT_NEAR(c.mce, 0.3, 1e-12);
  // Two bins: conf 0.95 (both right: gap 0.05) and 0.6 (one of two right: gap 0.1) -> 0.5*0.05 + 0.5*0.1.
  c = calibration({1, 1, 1, 0}, {{0.05, 0.95}, {0.05, 0.95}, {0.4, 0.6}, {0.4, 0.6}}, 10);
  EXPECT_NEAR(c.ece, 0.075, 1e-12);
  EXPECT_NEAR(c.mce, 0.1, 1e-12);
  int64_t total = 0;
  for (const auto& b : c.bins) total += b.count;
  EXPECT_EQ(total, 4);
}

TEST(AnalysisMetrics, PredictedLabelConfidenceAndName) {
  EXPECT_EQ(predicted_label({0.3, 0.7}), 1);
  EXPECT_EQ(predicted_label({0.5, 0.5}), 0);  // a tie goes to class 0
  EXPECT_DOUBLE_EQ(confidence({0.3, 0.7}), 0.7);
  EXPECT_STREQ(label_name(0), "negative");
  EXPECT_STREQ(label_name(1), "positive");
}

TEST(AnalysisMetrics, MostConfidentErrors) {
  // Errors: #2 (conf 0.7), #4 (0.7), #5 (0.55); ties keep file order.
  EXPECT_EQ(most_confident_errors(kLabels, fixture_probs(), 10), (std::vector<size_t>{2, 4, 5}));
  EXPECT_EQ(most_confident_errors(kLabels, fixture_probs(), 2), (std::vector<size_t>{2, 4}));
}

}  // namespace
}  // namespace sst::analysis::eval
