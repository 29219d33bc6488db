#include "analysis/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace sst::analysis::eval {

int predicted_label(const Probs& p) {
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());  // the first of equal maxima
}
double confidence(const Probs& p) { return p.empty() ? 0.0 : *std::max_element(p.begin(), p.end()); }
const char* label_name(int label) { return label ? "positive" : "negative"; }

std::vector<std::string> display_class_names(const std::vector<std::string>& class_names) {
  if (class_names == std::vector<std::string>{"0", "1"}) return {label_name(0), label_name(1)};
  return class_names;
}

namespace {

void check_inputs(const std::vector<int>& labels, const std::vector<Probs>& probs) {
  if (labels.size() != probs.size())
    throw UserError("metrics: " + std::to_string(labels.size()) + " labels but " + std::to_string(probs.size()) +
                    " predictions");
  if (labels.empty()) throw UserError("metrics: no labeled examples");
  const size_t k = probs[0].size();
  if (k < 2) throw UserError("metrics: " + std::to_string(k) + " class probabilities (expected at least 2)");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (probs[i].size() != k)
      throw UserError("metrics: example " + std::to_string(i) + " has " + std::to_string(probs[i].size()) +
                      " class probabilities, example 0 has " + std::to_string(k));
    if (labels[i] < 0 || labels[i] >= static_cast<int>(k))
      throw UserError("metrics: example " + std::to_string(i) + " has label " + std::to_string(labels[i]) +
                      (k == 2 ? std::string(" (expected 0 or 1)") : " (expected 0 .. " + std::to_string(k - 1) + ")"));
  }
}

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

Metrics compute_metrics(const std::vector<int>& labels, const std::vector<Probs>& probs) {
  check_inputs(labels, probs);
  Metrics m;
  const int K = static_cast<int>(probs[0].size());
  m.n = static_cast<int64_t>(labels.size());
  m.num_classes = K;
  m.confusion.assign(K, std::vector<int64_t>(K, 0));
  m.per_class.assign(K, ClassMetrics{});
  double loss = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    ++m.confusion[labels[i]][predicted_label(probs[i])];
    loss -= std::log(std::max(probs[i][labels[i]], 1e-12));
  }
  m.log_loss = loss / m.n;
  int64_t correct = 0;
  for (int c = 0; c < K; ++c) correct += m.confusion[c][c];
  m.accuracy = static_cast<double>(correct) / m.n;
  double f1_sum = 0;
  int present = 0;  // classes with an example or a prediction: the ones macro F1 averages (as scikit-learn)
  for (int c = 0; c < K; ++c) {
    ClassMetrics& k = m.per_class[c];
    const double tp = m.confusion[c][c];
    double predicted = 0;
    for (int t = 0; t < K; ++t) predicted += m.confusion[t][c];
    for (int p = 0; p < K; ++p) k.support += m.confusion[c][p];
    k.precision = ratio(tp, predicted);
    k.recall = ratio(tp, static_cast<double>(k.support));
    k.f1 = ratio(2 * k.precision * k.recall, k.precision + k.recall);
    if (k.support > 0 || predicted > 0) {
      f1_sum += k.f1;
      ++present;
    }
  }
  m.macro_f1 = f1_sum / present;  // present >= 1: there is at least one example
  return m;
}

Calibration calibration(const std::vector<int>& labels, const std::vector<Probs>& probs, int bins) {
  check_inputs(labels, probs);
  if (bins < 1) throw UserError("calibration: the number of bins must be >= 1");
  Calibration c;
  c.bins.resize(bins);
  std::vector<double> conf_sum(bins, 0.0), correct(bins, 0.0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const double conf = confidence(probs[i]);
    // (b/B, (b+1)/B]: ceil(conf * B) - 1, clamped so conf = 0 lands in bin 0 and rounding never leaves [0, B).
    int b = static_cast<int>(std::ceil(conf * bins)) - 1;
    b = std::clamp(b, 0, bins - 1);
    ++c.bins[b].count;
    conf_sum[b] += conf;
    correct[b] += predicted_label(probs[i]) == labels[i];
  }
  const double n = static_cast<double>(labels.size());
  for (int b = 0; b < bins; ++b) {
    CalibrationBin& bin = c.bins[b];
    bin.lo = static_cast<double>(b) / bins;
    bin.hi = static_cast<double>(b + 1) / bins;
    if (bin.count == 0) continue;
    bin.mean_confidence = conf_sum[b] / bin.count;
    bin.accuracy = correct[b] / bin.count;
    const double gap = std::abs(bin.accuracy - bin.mean_confidence);
    c.ece += bin.count / n * gap;
    c.mce = std::max(c.mce, gap);
  }
  return c;
}

std::vector<size_t> most_confident_errors(const std::vector<int>& labels, const std::vector<Probs>& probs, size_t k) {
  check_inputs(labels, probs);
  std::vector<size_t> errors;
  for (size_t i = 0; i < labels.size(); ++i)
    if (predicted_label(probs[i]) != labels[i]) errors.push_back(i);
  std::stable_sort(errors.begin(), errors.end(),
                   [&](size_t a, size_t b) { return confidence(probs[a]) > confidence(probs[b]); });
  if (errors.size() > k) errors.resize(k);
  return errors;
}

}  // namespace sst::analysis::eval
