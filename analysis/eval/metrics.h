// Classification metrics for the binary SST-2 task, on plain vectors (no LibTorch), so `evaluate`,
// `report` and their unit tests share one definition of every number.
//
// Conventions: label 0 = negative, 1 = positive; probs[i] = {P(0), P(1)}; the prediction is the argmax
// (a tie goes to class 0); confidence = max(P(0), P(1)). A ratio whose denominator is zero (e.g. the
// precision of a class never predicted) is reported as 0, as scikit-learn does with zero_division=0.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/model/outputs.h"

namespace sst::analysis::eval {

using Probs = model::Probs;  // what the classifier returns

int predicted_label(const Probs& p);
double confidence(const Probs& p);
// "negative" for label 0, "positive" for 1.
const char* label_name(int label);

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;  // examples whose true label is this class
};

struct BinaryMetrics {
  int64_t n = 0;
  double accuracy = 0;
  double log_loss = 0;  // mean -ln P(true label), P clamped to >= 1e-12 so one certain error stays finite
  // confusion[t][p]: examples with true label t predicted as p.
  std::array<std::array<int64_t, 2>, 2> confusion{};
  std::array<ClassMetrics, 2> per_class{};
  double macro_f1 = 0;
};

// Throws UserError if sizes differ, the input is empty, or a label is not 0/1.
BinaryMetrics compute_metrics(const std::vector<int>& labels, const std::vector<Probs>& probs);

// Expected calibration error (Guo et al. 2017): confidences are put in `bins` equal-width bins over
// [0, 1] (bin b holds (b/B, (b+1)/B], the first one also 0); ECE = sum_b |B_b|/n * |acc(B_b) - conf(B_b)|.
// For two classes confidence >= 0.5, so the lower half of the bins is always empty.
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
