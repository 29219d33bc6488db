// evaluation.json, evaluation.md and predictions.tsv (analysis/eval/evaluation.h) from hand-made predictions.
#include "analysis/eval/evaluation.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "tests/analysis/eval/predictions.h"

namespace sst::analysis::eval {
namespace {

using testing::fixture_probs;
using testing::kLabels;

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
}  // namespace sst::analysis::eval
