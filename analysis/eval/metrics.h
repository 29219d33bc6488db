// Classification metrics for K >= 2 classes (SST-2: K = 2), on plain vectors (no LibTorch), so
// `evaluate`, `report` and their unit tests share one definition of every number.
//
// Conventions: labels are class ids 0 .. K-1 (SST-2: 0 = negative, 1 = positive); probs[i] = {P(0), ...,
// P(K-1)}, K taken from the first; the prediction is the argmax (a tie goes to the lowest id);
// confidence = the largest probability. A ratio whose denominator is zero (e.g. the precision of a class
// never predicted) is reported as 0, as scikit-learn does with zero_division=0.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/model/outputs.h"

namespace sst::analysis::eval {

using Probs = model::Probs;  // what the classifier returns

int predicted_label(const Probs& p);
double confidence(const Probs& p);
// SST-2's names: "negative" for label 0, "positive" for 1.
const char* label_name(int label);
// What reports call the classes named `class_names` in a data file: SST-2's {"0", "1"} are "negative"
// and "positive", any other names are shown as they are.
std::vector<std::string> display_class_names(const std::vector<std::string>& class_names);

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;  // examples whose true label is this class
};

struct Metrics {
  int64_t n = 0;
  int num_classes = 0;  // K
  double accuracy = 0;
  double log_loss = 0;  // mean -ln P(true label), P clamped to >= 1e-12 so one certain error stays finite
  // confusion[t][p]: examples with true label t predicted as p (K x K).
  std::vector<std::vector<int64_t>> confusion;
  std::vector<ClassMetrics> per_class;  // K
  // The unweighted mean of the per-class F1 over the classes that occur as a label or a prediction
  // (scikit-learn's f1_score(average="macro")): a class absent from both is not counted as F1 = 0.
  double macro_f1 = 0;
};
using BinaryMetrics = Metrics;  // the name from when only SST-2's two classes were evaluated

// Throws UserError if sizes differ, the input is empty, a prediction has fewer than 2 probabilities or
// not as many as the first, or a label is not a class id.
Metrics compute_metrics(const std::vector<int>& labels, const std::vector<Probs>& probs);

// Expected calibration error (Guo et al. 2017): confidences are put in `bins` equal-width bins over
// [0, 1] (bin b holds (b/B, (b+1)/B], the first one also 0); ECE = sum_b |B_b|/n * |acc(B_b) - conf(B_b)|.
// Confidence is the largest of K probabilities, so it is >= 1/K: for two classes the lower half of the
// bins is always empty.
struct CalibrationBin {
  double lo = 0, hi = 0;
  int64_t count = 0;
  double mean_confidence = 0;  // 0 when empty
  double accuracy = 0;         // 0 when empty
};
struct Calibration {
  std::vector<CalibrationBin> bins;
  double ece = 0;
  double mce = 0;  // maximum calibration error over non-empty bins
};
Calibration calibration(const std::vector<int>& labels, const std::vector<Probs>& probs, int bins = 15);

// Indices of misclassified examples, most confident first (ties: lower index first), at most k.
std::vector<size_t> most_confident_errors(const std::vector<int>& labels, const std::vector<Probs>& probs, size_t k);

}  // namespace sst::analysis::eval
