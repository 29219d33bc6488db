// What `evaluate` reports, computed from predictions (no LibTorch): metrics, calibration, the most
// confident errors and accuracy per slice, as evaluation.json and evaluation.md. The command
// (evaluate_command.cpp) only gathers the examples and runs the model.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/eval/metrics.h"
#include "analysis/eval/slices.h"

namespace sst::analysis::eval {

struct EvaluationInput {
  std::string source;  // e.g. "split 'dev' of data/sst2.h5" or "reviews.tsv"
  std::string checkpoint;
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> tokens;  // SentencePiece ids, without [CLS]
  std::vector<int> labels;                   // class ids 0 .. K-1, or all -1 for an unlabeled split
  std::vector<Probs> probs;                  // K probabilities each
  // The names of the K classes as reports show them (display_class_names); empty: SST-2's
  // "negative", "positive" when K = 2, else "0" .. "K-1".
  std::vector<std::string> class_names;
  RareTokens rare;
};

struct EvaluationSettings {
  int bins = 15;
  size_t top_k = 10;
  std::vector<int> length_bounds{10, 20, 30};
};

struct Evaluation {
  bool labeled = false;
  nlohmann::json json;      // evaluation.json
  Calibration calibration;  // for the reliability diagram (empty when unlabeled)
};

// Throws UserError if sizes disagree, labels mix -1 with class ids, or the class names are not K.
Evaluation evaluate_predictions(const EvaluationInput& in, const EvaluationSettings& s);

// evaluation.md from evaluation.json (figure links relative to the output directory).
std::string evaluation_markdown(const nlohmann::json& j);

// predictions.tsv: index, label, predicted, one probability per class, sentence (tabs/newlines -> spaces).
// The probability columns are p_negative, p_positive for SST-2 and p_0 .. p_{K-1} otherwise (their
// names are evaluation.json's "classes").
std::string predictions_tsv(const EvaluationInput& in);

}  // namespace sst::analysis::eval
