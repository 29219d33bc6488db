// K > 2 classes: metrics (K x K confusion, per-class and macro F1, top-label calibration), evaluation.json
// and evaluation.md keyed by the class names, predictions.tsv with one column per class.
#include <gtest/gtest.h>

#include "analysis/eval/evaluation.h"
#include "analysis/eval/metrics.h"
#include "common/error.h"

namespace sst::analysis::eval {
namespace {

// Three classes; predictions (argmax) 0,1,2,2,0,1 against labels 0,1,2,1,2,1.
const std::vector<int> kLabels{0, 1, 2, 1, 2, 1};
std::vector<Probs> probs3() {
  return {{0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.2, 0.6}, {0.1, 0.4, 0.5}, {0.5, 0.3, 0.2}, {0.3, 0.4, 0.3}};
}

TEST(AnalysisMulticlass, ConfusionPerClassAndMacroF1) {
  const Metrics m = compute_metrics(kLabels, probs3());
  ASSERT_EQ(m.num_classes, 3);
  ASSERT_EQ(m.confusion.size(), 3u);
  EXPECT_EQ(m.confusion[0], (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(m.confusion[1], (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(m.confusion[2], (std::vector<int64_t>{1, 0, 1}));
  EXPECT_DOUBLE_EQ(m.accuracy, 4.0 / 6);
  // class 0: P 1/2, R 1 -> F1 2/3; class 1: P 1, R 2/3 -> 4/5; class 2: P 1/2, R 1/2 -> 1/2.
  EXPECT_NEAR(m.per_class[0].f1, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.per_class[1].f1, 0.8, 1e-12);
  EXPECT_NEAR(m.per_class[2].f1, 0.5, 1e-12);
  EXPECT_NEAR(m.macro_f1, (2.0 / 3 + 0.8 + 0.5) / 3, 1e-12);
  EXPECT_EQ(m.per_class[1].support, 3);
  // Class 2 neither occurs nor is predicted: macro F1 averages classes 0 and 1 only.
  const Metrics absent = compute_metrics({0, 1}, {{0.6, 0.3, 0.1}, {0.2, 0.7, 0.1}});
  EXPECT_DOUBLE_EQ(absent.macro_f1, 1.0);
  EXPECT_EQ(absent.per_class[2].support, 0);
  EXPECT_THROW(compute_metrics({0, 3}, {{0.5, 0.3, 0.2}, {0.5, 0.3, 0.2}}), UserError);  // label 3 of 3 classes
  EXPECT_THROW(compute_metrics({0, 1}, {{0.5, 0.3, 0.2}, {0.5, 0.5}}), UserError);       // ragged
}

TEST(AnalysisMulticlass, TopLabelCalibrationAndTies) {
  EXPECT_EQ(predicted_label({0.3, 0.4, 0.3}), 1);
  EXPECT_EQ(predicted_label({0.4, 0.2, 0.4}), 0);  // a tie goes to the lowest id
  EXPECT_DOUBLE_EQ(confidence({0.1, 0.2, 0.7}), 0.7);
  // Confidences 0.4 (wrong) and 0.7 (right), 10 bins: |0 - 0.4| / 2 + |1 - 0.7| / 2.
  const Calibration c = calibration({1, 0}, {{0.3, 0.3, 0.4}, {0.7, 0.2, 0.1}}, 10);
  EXPECT_NEAR(c.ece, 0.35, 1e-12);
  EXPECT_EQ(c.bins[3].count, 1);
}

TEST(AnalysisMulticlass, EvaluationJsonMarkdownAndPredictions) {
  EvaluationInput in;
  in.source = "fixture";
  in.labels = kLabels;
  in.probs = probs3();
  in.class_names = {"neg", "neutral", "pos"};
  for (size_t i = 0; i < kLabels.size(); ++i) {
    in.texts.push_back("text " + std::to_string(i));
    in.tokens.push_back({4});
  }
  in.rare = rare_by_id_range(10, 0.1, 1, {0, 2, 3});
  const Evaluation e = evaluate_predictions(in, EvaluationSettings{});
  EXPECT_EQ(e.json["num_classes"].get<int>(), 3);
  EXPECT_EQ(e.json["confusion"]["matrix"][1][2].get<int>(), 1);
  EXPECT_EQ(e.json["confusion"]["labels"][2], "pos");
  EXPECT_NEAR(e.json["per_class"]["pos"]["f1"].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(e.json["predicted_counts"]["pos"].get<int>(), 2);
  EXPECT_FALSE(e.json.contains("predicted_positive"));
  EXPECT_FALSE(e.json["most_confident_errors"][0].contains("p_positive"));
  const std::string md = evaluation_markdown(e.json);
  EXPECT_NE(md.find("| true \\ predicted | neg | neutral | pos |\n|---|---|---|---|\n| neg | 1 | 0 | 0 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| # | label | predicted | confidence | text |"), std::string::npos) << md;
  EXPECT_EQ(predictions_tsv(in).rfind("index\tlabel\tpredicted\tp_0\tp_1\tp_2\tsentence\n0\t0\t0\t0.700000\t", 0), 0u);
  in.class_names = {"a", "b"};  // two names for three classes
  EXPECT_THROW(evaluate_predictions(in, EvaluationSettings{}), UserError);
}

}  // namespace
}  // namespace sst::analysis::eval
