#include "analysis/eval/evaluation.h"

#include <cstdio>
#include <sstream>

#include "analysis/cli/cells.h"
#include "common/error.h"

using nlohmann::json;

namespace sst::analysis::eval {
namespace {

std::string fmt(double v, const char* spec = "%.4f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : ", ") + w;
  return s;
}

}  // namespace

Evaluation evaluate_predictions(const EvaluationInput& in, const EvaluationSettings& s) {
  const size_t n = in.labels.size();
  if (in.texts.size() != n || in.tokens.size() != n || in.probs.size() != n)
    throw UserError("evaluate: texts, tokens, labels and predictions differ in number");
  size_t unlabeled = 0;
  for (int l : in.labels) unlabeled += l == -1;
  if (unlabeled != 0 && unlabeled != n)
    throw UserError(in.source + ": " + std::to_string(unlabeled) + " of " + std::to_string(n) +
                    " examples are unlabeled (-1); a split must be all labeled or all unlabeled");
  Evaluation e;
  e.labeled = n > 0 && unlabeled == 0;
  json& j = e.json;
  j["checkpoint"] = in.checkpoint;
  j["source"] = in.source;
  j["n"] = n;
  j["labeled"] = e.labeled;
  int64_t predicted_positive = 0;
  for (const auto& p : in.probs) predicted_positive += predicted_label(p);
  j["predicted_positive"] = predicted_positive;
  j["files"] = {{"predictions", "predictions.tsv"}};
  if (!e.labeled) {
    j["note"] = "no labels (label -1): only predictions were written (predictions.tsv); no metrics";
    return e;
  }
  const BinaryMetrics m = compute_metrics(in.labels, in.probs);
  j["accuracy"] = m.accuracy;
  j["log_loss"] = m.log_loss;
  j["macro_f1"] = m.macro_f1;
  for (int c = 0; c < 2; ++c) {
    const auto& k = m.per_class[c];
    j["per_class"][label_name(c)] = {
        {"precision", k.precision}, {"recall", k.recall}, {"f1", k.f1}, {"support", k.support}};
  }
  j["confusion"] = {{"rows", "true label"},
                    {"columns", "predicted label"},
                    {"labels", {label_name(0), label_name(1)}},
                    {"matrix", {{m.confusion[0][0], m.confusion[0][1]}, {m.confusion[1][0], m.confusion[1][1]}}}};
  e.calibration = calibration(in.labels, in.probs, s.bins);
  json bins = json::array();
  for (const auto& b : e.calibration.bins)
    bins.push_back({{"lo", b.lo},
                    {"hi", b.hi},
                    {"count", b.count},
                    {"mean_confidence", b.mean_confidence},
                    {"accuracy", b.accuracy}});
  j["calibration"] = {{"n_bins", s.bins},
                      {"ece", e.calibration.ece},
                      {"mce", e.calibration.mce},
                      {"bins", bins},
                      {"definition", "equal-width confidence bins on [0,1]; confidence = max class probability"}};
  json errors = json::array();
  for (size_t i : most_confident_errors(in.labels, in.probs, s.top_k))
    errors.push_back({{"index", i},
                      {"text", in.texts[i]},
                      {"label", in.labels[i]},
                      {"predicted", predicted_label(in.probs[i])},
                      {"p_positive", in.probs[i][1]},
                      {"confidence", confidence(in.probs[i])}});
  j["most_confident_errors"] = errors;
  std::vector<ExampleFeatures> feats;
  std::vector<bool> correct;
  for (size_t i = 0; i < n; ++i) {
    feats.push_back(features(in.texts[i], in.tokens[i], in.rare));
    correct.push_back(predicted_label(in.probs[i]) == in.labels[i]);
  }
  json rows = json::array();
  for (const auto& r : slice_stats(feats, correct, s.length_bounds))
    rows.push_back(
        {{"group", r.group}, {"name", r.name}, {"count", r.count}, {"correct", r.correct}, {"accuracy", r.accuracy}});
  j["slices"] = {{"rows", rows},
                 {"definitions",
                  {{"negation", "a word in {" + join(kNegationWords) + "} or ending in n't"},
                   {"contrast", "a word in {" + join(kContrastWords) + "}"},
                   {"length", "whitespace-separated words, buckets " + join(length_bucket_labels(s.length_bounds))},
                   {"rare_tokens", in.rare.definition}}}};
  j["files"]["reliability_diagram"] = "reliability.png";
  return e;
}

std::string evaluation_markdown(const json& j) {
  std::ostringstream s;
  s << "# Evaluation\n\n- checkpoint: `" << j.value("checkpoint", "") << "`\n- data: " << j.value("source", "")
    << "\n- examples: " << j.value("n", 0) << "\n\n";
  if (!j.value("labeled", false)) {
    s << "**Unlabeled data**: " << j.value("note", "") << ". The model predicts positive for "
      << j.value("predicted_positive", 0) << " of " << j.value("n", 0) << " examples.\n";
    return s.str();
  }
  s << "| metric | value |\n|---|---|\n| accuracy | " << fmt(j["accuracy"]) << " |\n| log loss (nats) | "
    << fmt(j["log_loss"]) << " |\n| macro F1 | " << fmt(j["macro_f1"]) << " |\n| ECE (" << j["calibration"]["n_bins"]
    << " bins) | " << fmt(j["calibration"]["ece"]) << " |\n\n";
  s << "## Per class\n\n| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
  for (int label : {0, 1}) {
    const char* c = label_name(label);
    const auto& k = j["per_class"][c];
    s << "| " << c << " | " << fmt(k["precision"]) << " | " << fmt(k["recall"]) << " | " << fmt(k["f1"]) << " | "
      << k["support"] << " |\n";
  }
  const auto& cm = j["confusion"]["matrix"];
  s << "\n## Confusion matrix\n\n| true \\ predicted | negative | positive |\n|---|---|---|\n"
    << "| negative | " << cm[0][0] << " | " << cm[0][1] << " |\n| positive | " << cm[1][0] << " | " << cm[1][1]
    << " |\n\n## Calibration\n\nECE " << fmt(j["calibration"]["ece"]) << ", maximum bin gap "
    << fmt(j["calibration"]["mce"]) << ".\n\n![reliability diagram](reliability.png)\n\n"
    << "| confidence bin | examples | mean confidence | accuracy |\n|---|---|---|---|\n";
  for (const auto& b : j["calibration"]["bins"])
    if (b["count"].get<int64_t>() > 0)
      s << "| (" << fmt(b["lo"], "%.3f") << ", " << fmt(b["hi"], "%.3f") << "] | " << b["count"] << " | "
        << fmt(b["mean_confidence"]) << " | " << fmt(b["accuracy"]) << " |\n";
  s << "\n## Slices\n\n| slice | examples | accuracy |\n|---|---|---|\n";
  for (const auto& r : j["slices"]["rows"])
    s << "| " << cli::md_cell(r["name"]) << " | " << r["count"] << " | "
      << (r["count"].get<int64_t>() ? fmt(r["accuracy"]) : std::string("-")) << " |\n";
  s << "\nDefinitions:\n\n";
  for (const auto& [k, v] : j["slices"]["definitions"].items()) s << "- " << k << ": " << v.get<std::string>() << "\n";
  s << "\n## Most confident errors\n\n| # | label | P(positive) | text |\n|---|---|---|---|\n";
  for (const auto& e : j["most_confident_errors"])
    s << "| " << e["index"] << " | " << label_name(e["label"].get<int>()) << " | " << fmt(e["p_positive"]) << " | "
      << cli::md_cell(e["text"]) << " |\n";
  return s.str();
}

std::string predictions_tsv(const EvaluationInput& in) {
  std::ostringstream s;
  s << "index\tlabel\tpredicted\tp_negative\tp_positive\tsentence\n";
  for (size_t i = 0; i < in.probs.size(); ++i)
    s << i << "\t" << in.labels[i] << "\t" << predicted_label(in.probs[i]) << "\t" << fmt(in.probs[i][0], "%.6f")
      << "\t" << fmt(in.probs[i][1], "%.6f") << "\t" << cli::one_line(in.texts[i]) << "\n";
  return s.str();
}

}  // namespace sst::analysis::eval
