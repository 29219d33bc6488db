#include "analysis/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace sst::analysis::eval {

int predicted_label(const Probs& p) { return p[1] > p[0] ? 1 : 0; }
double confidence(const Probs& p) { return std::max(p[0], p[1]); }
const char* label_name(int label) { return label ? "positive" : "negative"; }

namespace {

void check_inputs(const std::vector<int>& labels, const std::vector<Probs>& probs) {
  if (labels.size() != probs.size())
    throw UserError("metrics: " + std::to_string(labels.size()) + " labels but " + std::to_string(probs.size()) +
                    " predictions");
  if (labels.empty()) throw UserError("metrics: no labeled examples");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] != 0 && labels[i] != 1)
      throw UserError("metrics: example " + std::to_string(i) + " has label " + std::to_string(labels[i]) +
                      " (expected 0 or 1)");
}

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

BinaryMetrics compute_metrics(const std::vector<int>& labels, const std::vector<Probs>& probs) {
  check_inputs(labels, probs);
  BinaryMetrics m;
  m.n = static_cast<int64_t>(labels.size());
  double loss = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    ++m.confusion[labels[i]][predicted_label(probs[i])];
    loss -= std::log(std::max(probs[i][labels[i]], 1e-12));
  }
  m.log_loss = loss / m.n;
  m.accuracy = static_cast<double>(m.confusion[0][0] + m.confusion[1][1]) / m.n;
  for (int c = 0; c < 2; ++c) {
    ClassMetrics& k = m.per_class[c];
    const double tp = m.confusion[c][c];
    const double predicted = m.confusion[0][c] + m.confusion[1][c];
    k.support = m.confusion[c][0] + m.confusion[c][1];
    k.precision = ratio(tp, predicted);
    k.recall = ratio(tp, static_cast<double>(k.support));
    k.f1 = ratio(2 * k.precision * k.recall, k.precision + k.recall);
  }
  m.macro_f1 = (m.per_class[0].f1 + m.per_class[1].f1) / 2;
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
