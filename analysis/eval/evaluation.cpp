#include "analysis/eval/evaluation.h"

#include <algorithm>
#include <sstream>

#include "analysis/cli/cells.h"
#include "common/error.h"

using nlohmann::json;

namespace sst::analysis::eval {
namespace {

std::string fmt(double v, const char* spec = "%.4f") { return cli::number_cell(spec, v); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : ", ") + w;
  return s;
}

// The names reports use for the K classes (EvaluationInput::class_names, or the defaults).
std::vector<std::string> class_names_of(const EvaluationInput& in, size_t k) {
  if (in.class_names.empty()) {
    if (k == 2) return {label_name(0), label_name(1)};
    std::vector<std::string> names;
    for (size_t c = 0; c < k; ++c) names.push_back(std::to_string(c));
    return names;
  }
  if (in.class_names.size() != k)
    throw UserError("evaluate: " + std::to_string(in.class_names.size()) + " class names for " + std::to_string(k) +
                    " class probabilities");
  return in.class_names;
}

void add_metrics(json& j, const Metrics& m, const std::vector<std::string>& names) {
  j["accuracy"] = m.accuracy;
  j["log_loss"] = m.log_loss;
  j["macro_f1"] = m.macro_f1;
  for (int c = 0; c < m.num_classes; ++c) {
    const auto& k = m.per_class[c];
    j["per_class"][names[c]] = {{"precision", k.precision}, {"recall", k.recall}, {"f1", k.f1}, {"support", k.support}};
  }
  j["confusion"] = {{"rows", "true label"}, {"columns", "predicted label"}, {"labels", names}, {"matrix", m.confusion}};
}

void add_calibration(json& j, const Calibration& c, int n_bins) {
  json bins = json::array();
  for (const auto& b : c.bins)
    bins.push_back({{"lo", b.lo},
                    {"hi", b.hi},
                    {"count", b.count},
                    {"mean_confidence", b.mean_confidence},
                    {"accuracy", b.accuracy}});
  j["calibration"] = {{"n_bins", n_bins},
                      {"ece", c.ece},
                      {"mce", c.mce},
                      {"bins", bins},
                      {"definition",
                       "equal-width confidence bins on [0,1]; confidence = max class probability (with K > 2 "
                       "classes: the top-label ECE)"}};
}

json confident_errors(const EvaluationInput& in, size_t top_k, size_t k) {
  json errors = json::array();
  for (size_t i : most_confident_errors(in.labels, in.probs, top_k)) {
    json e = {{"index", i},
              {"text", in.texts[i]},
              {"label", in.labels[i]},
              {"predicted", predicted_label(in.probs[i])},
              {"p_label", in.probs[i][in.labels[i]]},
              {"confidence", confidence(in.probs[i])}};
    if (k == 2) e["p_positive"] = in.probs[i][1];
    errors.push_back(e);
  }
  return errors;
}

json slices_json(const EvaluationInput& in, const EvaluationSettings& s) {
  std::vector<ExampleFeatures> feats;
  std::vector<bool> correct;
  for (size_t i = 0; i < in.labels.size(); ++i) {
    feats.push_back(features(in.texts[i], in.tokens[i], in.rare));
    correct.push_back(predicted_label(in.probs[i]) == in.labels[i]);
  }
  json rows = json::array();
  for (const auto& r : slice_stats(feats, correct, s.length_bounds))
    rows.push_back(
        {{"group", r.group}, {"name", r.name}, {"count", r.count}, {"correct", r.correct}, {"accuracy", r.accuracy}});
  return {{"rows", rows},
          {"definitions",
           {{"negation", "a word in {" + join(kNegationWords) + "} or ending in n't"},
            {"contrast", "a word in {" + join(kContrastWords) + "}"},
            {"length", "whitespace-separated words, buckets " + join(length_bucket_labels(s.length_bounds))},
            {"rare_tokens", in.rare.definition}}}};
}

void check_sizes(const EvaluationInput& in, size_t k) {
  const size_t n = in.labels.size();
  if (in.texts.size() != n || in.tokens.size() != n || in.probs.size() != n)
    throw UserError("evaluate: texts, tokens, labels and predictions differ in number");
  for (const Probs& p : in.probs)
    if (p.size() != k) throw UserError("evaluate: predictions with different numbers of classes");
  size_t unlabeled = 0;
  for (int l : in.labels) unlabeled += l == -1;
  if (unlabeled != 0 && unlabeled != n)
    throw UserError(in.source + ": " + std::to_string(unlabeled) + " of " + std::to_string(n) +
                    " examples are unlabeled (-1); a split must be all labeled or all unlabeled");
}

}  // namespace

Evaluation evaluate_predictions(const EvaluationInput& in, const EvaluationSettings& s) {
  const size_t n = in.labels.size();
  const size_t k = in.probs.empty() ? std::max<size_t>(in.class_names.size(), 2) : in.probs[0].size();
  check_sizes(in, k);
  const std::vector<std::string> names = class_names_of(in, k);
  Evaluation e;
  e.labeled = n > 0 && in.labels[0] != -1;
  json& j = e.json;
  j["checkpoint"] = in.checkpoint;
  j["source"] = in.source;
  j["n"] = n;
  j["labeled"] = e.labeled;
  j["num_classes"] = k;
  j["classes"] = names;
  std::vector<int64_t> predicted(k, 0);
  for (const auto& p : in.probs) ++predicted[predicted_label(p)];
  for (size_t c = 0; c < k; ++c) j["predicted_counts"][names[c]] = predicted[c];
  if (k == 2) j["predicted_positive"] = predicted[1];  // two classes only: the count of class 1
  j["files"] = {{"predictions", "predictions.tsv"}};
  if (!e.labeled) {
    j["note"] = "no labels (label -1): only predictions were written (predictions.tsv); no metrics";
    return e;
  }
  add_metrics(j, compute_metrics(in.labels, in.probs), names);
  e.calibration = calibration(in.labels, in.probs, s.bins);
  add_calibration(j, e.calibration, s.bins);
  j["most_confident_errors"] = confident_errors(in, s.top_k, k);
  j["slices"] = slices_json(in, s);
  j["files"]["reliability_diagram"] = "reliability.png";
  return e;
}

namespace {

// The class names of an evaluation.json (files written before they were kept: SST-2's).
std::vector<std::string> classes_of(const json& j) {
  if (j.contains("classes")) return j["classes"].get<std::vector<std::string>>();
  return {label_name(0), label_name(1)};
}

void markdown_classes(std::ostringstream& s, const json& j, const std::vector<std::string>& names) {
  s << "## Per class\n\n| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
  for (const std::string& c : names) {
    const auto& k = j["per_class"][c];
    s << "| " << cli::md_cell(c) << " | " << fmt(k["precision"]) << " | " << fmt(k["recall"]) << " | " << fmt(k["f1"])
      << " | " << k["support"] << " |\n";
  }
  const auto& cm = j["confusion"]["matrix"];
  s << "\n## Confusion matrix\n\n| true \\ predicted |";
  for (const std::string& c : names) s << " " << cli::md_cell(c) << " |";
  s << "\n|---|";
  for (size_t c = 0; c < names.size(); ++c) s << "---|";
  s << "\n";
  for (size_t t = 0; t < names.size(); ++t) {
    s << "| " << cli::md_cell(names[t]) << " |";
    for (size_t p = 0; p < names.size(); ++p) s << " " << cm[t][p] << " |";
    s << "\n";
  }
}

void markdown_errors(std::ostringstream& s, const json& j, const std::vector<std::string>& names) {
  const bool binary = names.size() == 2;
  s << "\n## Most confident errors\n\n"
    << (binary ? "| # | label | P(positive) | text |\n|---|---|---|---|\n"
               : "| # | label | predicted | confidence | text |\n|---|---|---|---|---|\n");
  for (const auto& e : j["most_confident_errors"]) {
    s << "| " << e["index"] << " | " << cli::md_cell(names.at(e["label"].get<size_t>())) << " | ";
    if (binary)
      s << fmt(e["p_positive"]);
    else
      s << cli::md_cell(names.at(e["predicted"].get<size_t>())) << " | " << fmt(e["confidence"]);
    s << " | " << cli::md_cell(e["text"]) << " |\n";
  }
}

}  // namespace

std::string evaluation_markdown(const json& j) {
  std::ostringstream s;
  const std::vector<std::string> names = classes_of(j);
  s << "# Evaluation\n\n- checkpoint: `" << j.value("checkpoint", "") << "`\n- data: " << j.value("source", "")
    << "\n- examples: " << j.value("n", 0) << "\n";
  if (names.size() != 2) s << "- classes: " << names.size() << "\n";
  s << "\n";
  if (!j.value("labeled", false)) {
    s << "**Unlabeled data**: " << j.value("note", "") << ". ";
    if (names.size() == 2) {
      s << "The model predicts " << names[1] << " for " << j.value("predicted_positive", 0) << " of " << j.value("n", 0)
        << " examples.\n";
    } else {
      s << "Predicted classes:";
      for (const std::string& c : names) s << " " << c << " " << j["predicted_counts"].value(c, 0) << ";";
      s << "\n";
    }
    return s.str();
  }
  s << "| metric | value |\n|---|---|\n| accuracy | " << fmt(j["accuracy"]) << " |\n| log loss (nats) | "
    << fmt(j["log_loss"]) << " |\n| macro F1 | " << fmt(j["macro_f1"]) << " |\n| ECE (" << j["calibration"]["n_bins"]
    << " bins" << (names.size() > 2 ? ", top-label" : "") << ") | " << fmt(j["calibration"]["ece"]) << " |\n\n";
  markdown_classes(s, j, names);
  s << "\n## Calibration\n\nECE " << fmt(j["calibration"]["ece"]) << ", maximum bin gap "
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
  markdown_errors(s, j, names);
  return s.str();
}

std::string predictions_tsv(const EvaluationInput& in) {
  std::ostringstream s;
  const size_t k = in.probs.empty() ? 2 : in.probs[0].size();
  s << "index\tlabel\tpredicted";
  if (k == 2 && (in.class_names.empty() || in.class_names == std::vector<std::string>{"negative", "positive"}))
    s << "\tp_negative\tp_positive";
  else
    for (size_t c = 0; c < k; ++c) s << "\tp_" << c;
  s << "\tsentence\n";
  for (size_t i = 0; i < in.probs.size(); ++i) {
    s << i << "\t" << in.labels[i] << "\t" << predicted_label(in.probs[i]);
    for (double p : in.probs[i]) s << "\t" << fmt(p, "%.6f");
    s << "\t" << cli::one_line(in.texts[i]) << "\n";
  }
  return s.str();
}

}  // namespace sst::analysis::eval
