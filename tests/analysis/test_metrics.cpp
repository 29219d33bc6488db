// Metrics, calibration, slices and attention rollout (analysis/metrics.h, slices.h, rollout.h) against
// values computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "evaluation.h"
#include "metrics.h"
#include "rollout.h"
#include "slices.h"

namespace sst::analysis {
namespace {

// 8 examples: predictions 1,1,0,0,1,1,1,0 against labels 1,1,1,0,0,0,1,0.
const std::vector<int> kLabels{1, 1, 1, 0, 0, 0, 1, 0};
std::vector<Probs> fixture_probs() {
  std::vector<Probs> p;
  for (double p1 : {0.9, 0.6, 0.3, 0.2, 0.7, 0.55, 0.8, 0.1}) p.push_back({1 - p1, p1});
  return p;
}

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

TEST(AnalysisMetrics, MostConfidentErrorsAndMeanStd) {
  // Errors: #2 (conf 0.7), #4 (0.7), #5 (0.55); ties keep file order.
  EXPECT_EQ(most_confident_errors(kLabels, fixture_probs(), 10), (std::vector<size_t>{2, 4, 5}));
  EXPECT_EQ(most_confident_errors(kLabels, fixture_probs(), 2), (std::vector<size_t>{2, 4}));
  const MeanStd m = mean_std({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_NEAR(m.std, std::sqrt(5.0 / 3), 1e-12);
  EXPECT_EQ(mean_std({7}).std, 0.0);
  EXPECT_EQ(mean_std({}).n, 0u);
}

TEST(AnalysisSlices, NegationAndContrastDetection) {
  EXPECT_TRUE(has_negation("it 's not funny"));
  EXPECT_TRUE(has_negation("the film does n't work"));
  EXPECT_TRUE(has_negation("I don't know"));
  EXPECT_TRUE(has_negation("I don’t know"));  // curly apostrophe
  EXPECT_TRUE(has_negation("No."));
  EXPECT_TRUE(has_negation("nothing special , without charm"));
  EXPECT_TRUE(has_negation("neither funny nor moving"));
  EXPECT_FALSE(has_negation("notable performances"));
  EXPECT_FALSE(has_negation("a knotty , nonstop thriller"));
  EXPECT_FALSE(has_negation("a joyous film"));
  EXPECT_TRUE(has_contrast("good , but long"));
  EXPECT_TRUE(has_contrast("However, it drags"));
  EXPECT_TRUE(has_contrast("although the cast is fine"));
  EXPECT_FALSE(has_contrast("butter and buttons"));
  EXPECT_FALSE(has_contrast("the plot is fine"));
  EXPECT_EQ(word_count("  a b\tc  "), 3);
  EXPECT_EQ(words("Don't-stop, NOW!"), (std::vector<std::string>{"don't", "stop", "now"}));
}

TEST(AnalysisSlices, LengthBucketsAndRareTokens) {
  const std::vector<int> b{10, 20, 30};
  EXPECT_EQ(length_bucket(1, b), "1-10");
  EXPECT_EQ(length_bucket(10, b), "1-10");
  EXPECT_EQ(length_bucket(11, b), "11-20");
  EXPECT_EQ(length_bucket(30, b), "21-30");
  EXPECT_EQ(length_bucket(31, b), "31+");
  EXPECT_THROW(length_bucket_labels({10, 10}), UserError);
  // ids 0 pad, 1 unk, 2 cls, 3 eos; threshold 5.
  const RareTokens f = rare_by_train_frequency({0, 0, 0, 0, 10, 2, 0}, 5, 1, {0, 2, 3});
  EXPECT_EQ(f.rare, (std::vector<bool>{false, true, false, false, false, true, true}));
  EXPECT_TRUE(f.is_rare(99));                                    // out of range: unknown to the vocabulary
  const RareTokens r = rare_by_id_range(14, 0.2, 1, {0, 2, 3});  // 10 regular ids 4..13: the top 2 are rare
  for (int32_t i = 0; i < 14; ++i) EXPECT_EQ(r.is_rare(i), i == 1 || i >= 12) << i;
  EXPECT_EQ(token_counts({4, 4, 5, 99, -1}, 7), (std::vector<int64_t>{0, 0, 0, 0, 2, 1, 0}));
}

TEST(AnalysisSlices, SliceStatsCountMembersAndAccuracy) {
  const RareTokens rare = rare_by_train_frequency({0, 0, 0, 0, 10, 1}, 5, 1, {0, 2, 3});
  std::vector<ExampleFeatures> f{features("not good , but fine", {4, 4}, rare), features("great", {5}, rare),
                                 features("one two three four five six seven eight nine ten eleven", {4}, rare),
                                 features("never again", {4}, rare)};
  const auto rows = slice_stats(f, {true, false, true, false}, {10, 20});
  auto row = [&](const std::string& name) {
    for (const auto& r : rows)
      if (r.name == name) return r;
    ADD_FAILURE() << "no slice " << name;
    return SliceStat{};
  };
  EXPECT_EQ(row("all").count, 4);
  EXPECT_DOUBLE_EQ(row("all").accuracy, 0.5);
  EXPECT_EQ(row("with negation").count, 2);
  EXPECT_DOUBLE_EQ(row("with negation").accuracy, 0.5);
  EXPECT_EQ(row("with contrast").count, 1);
  EXPECT_EQ(row("without contrast").count, 3);
  EXPECT_EQ(row("1-10 words").count, 3);
  EXPECT_EQ(row("11-20 words").count, 1);
  EXPECT_DOUBLE_EQ(row("11-20 words").accuracy, 1.0);
  EXPECT_EQ(row("21+ words").count, 0);
  EXPECT_EQ(row("with rare tokens").count, 1);
  EXPECT_DOUBLE_EQ(row("with rare tokens").accuracy, 0.0);
}

TEST(AnalysisRollout, HandMadeStack) {
  // Two heads of one layer average to uniform attention.
  AttentionStack h{1, 2, 2, {1, 0, 0, 1, /* head 2 */ 0, 1, 1, 0}};
  EXPECT_EQ(head_average(h, 0), (Matrix{0.5, 0.5, 0.5, 0.5}));
  // Layer 1 (one head) [[.5,.5],[0,1]] -> +I, renormalized: [[.75,.25],[0,1]].
  // Layer 2 [[0,1],[1,0]] -> [[.5,.5],[.5,.5]]. R = A2 A1 = [[.375,.625],[.375,.625]].
  AttentionStack a{2, 1, 2, {0.5, 0.5, 0, 1, /* layer 2 */ 0, 1, 1, 0}};
  const Matrix r = attention_rollout(a);
  const Matrix want{0.375, 0.625, 0.375, 0.625};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(r[i], want[i], 1e-12) << i;
  EXPECT_EQ(rollout_to_cls(a).size(), 2u);
  EXPECT_NEAR(rollout_to_cls(a)[1], 0.625, 1e-12);
  // The order matters: A1 A2 would give [[.5,.5],[.5,.5]].
  AttentionStack single{1, 1, 2, {0.5, 0.5, 0, 1}};
  EXPECT_NEAR(attention_rollout(single)[0], 0.75, 1e-12);
  EXPECT_THROW(attention_rollout(AttentionStack{}), UserError);
  EXPECT_THROW(attention_rollout(AttentionStack{1, 1, 2, {1, 0}}), UserError);
}

TEST(AnalysisEvaluation, JsonMarkdownAndUnlabeled) {
  EvaluationInput in;
  in.source = "fixture";
  in.labels = kLabels;
  in.probs = fixture_probs();
  for (size_t i = 0; i < kLabels.size(); ++i) {
    in.texts.push_back(i == 2 ? "not | bad" : "fine");
    in.tokens.push_back({4});
  }
  in.rare = rare_by_id_range(10, 0.1, 1, {0, 2, 3});
  EvaluationSettings s;
  s.top_k = 2;
  const Evaluation e = evaluate_predictions(in, s);
  ASSERT_TRUE(e.labeled);
  EXPECT_DOUBLE_EQ(e.json["accuracy"].get<double>(), 5.0 / 8);
  EXPECT_EQ(e.json["confusion"]["matrix"][0][1].get<int>(), 2);
  EXPECT_EQ(e.json["most_confident_errors"].size(), 2u);
  EXPECT_EQ(e.json["most_confident_errors"][0]["text"], "not | bad");
  const std::string md = evaluation_markdown(e.json);
  EXPECT_NE(md.find("| accuracy | 0.6250 |"), std::string::npos) << md;
  EXPECT_NE(md.find("not \\| bad"), std::string::npos);  // '|' escaped inside a table cell
  EXPECT_NE(md.find("reliability.png"), std::string::npos);

  in.labels.assign(kLabels.size(), -1);
  const Evaluation u = evaluate_predictions(in, s);
  EXPECT_FALSE(u.labeled);
  EXPECT_FALSE(u.json.contains("accuracy"));
  EXPECT_EQ(u.json["predicted_positive"].get<int>(), 5);
  EXPECT_NE(evaluation_markdown(u.json).find("Unlabeled"), std::string::npos);
  const std::string tsv = predictions_tsv(in);
  EXPECT_EQ(std::count(tsv.begin(), tsv.end(), '\n'), 9);
  in.labels[0] = 1;  // mixing labeled and unlabeled examples is refused
  EXPECT_THROW(evaluate_predictions(in, s), UserError);
}

}  // namespace
}  // namespace sst::analysis
