// The sections of `sst-analyze report` (see report_command.h). Optional parts that cannot be produced
// (no checkpoint, no data file, too few sweep points for a fit) become a note in the report instead.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "analysis/attention/attention_command.h"
#include "analysis/eval/evaluate_command.h"
#include "analysis/model/model_io.h"
#include "analysis/report/report_command.h"
#include "analysis/runs/curves_command.h"
#include "analysis/runs/runs.h"
#include "common/error.h"
#include "common/files.h"
#include "common/text.h"
#include "sweep/sweep.h"
#ifdef SST_HAVE_FIT
#include "analysis/fit/csv.h"
#include "analysis/fit/fit_command.h"
#endif

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::report {
namespace {

std::string fmt(double v, const char* spec = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string show(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) return fmt(v.get<double>());
  return v.dump();
}

void add_curves(ReportDoc& doc, const std::vector<runs::Run>& run_list, const ReportOptions& o, std::ostream& out) {
  doc.heading(2, "Training curves");
  const json c = runs::run_curves(run_list, (fs::path(o.output) / "curves").string(), out);
  for (const auto& stem : c["figures"])
    doc.image("curves/" + stem.get<std::string>() + ".png", stem.get<std::string>());
}

void add_evaluation(ReportDoc& doc, const json& e) {
  doc.table({"metric", "value"},
            {{"examples", show(e["n"])},
             {"accuracy", fmt(e["accuracy"], "%.4f")},
             {"log loss (nats)", fmt(e["log_loss"], "%.4f")},
             {"macro F1", fmt(e["macro_f1"], "%.4f")},
             {"ECE (" + show(e["calibration"]["n_bins"]) + " bins)", fmt(e["calibration"]["ece"], "%.4f")}});
  std::vector<std::vector<std::string>> rows;
  for (const char* c : {"negative", "positive"}) {
    const auto& k = e["per_class"][c];
    rows.push_back(
        {c, fmt(k["precision"], "%.4f"), fmt(k["recall"], "%.4f"), fmt(k["f1"], "%.4f"), show(k["support"])});
  }
  doc.table({"class", "precision", "recall", "F1", "support"}, rows);
  const auto& m = e["confusion"]["matrix"];
  doc.table({"true \\ predicted", "negative", "positive"},
            {{"negative", show(m[0][0]), show(m[0][1])}, {"positive", show(m[1][0]), show(m[1][1])}});
  if (e["files"].contains("reliability_diagram")) doc.image("evaluation/reliability.png", "reliability diagram (dev)");
  rows.clear();
  for (const auto& r : e["slices"]["rows"])
    rows.push_back({show(r["name"]), show(r["count"]), r["count"].get<int64_t>() ? fmt(r["accuracy"], "%.4f") : "-"});
  doc.heading(3, "Accuracy by slice");
  doc.table({"slice", "examples", "accuracy"}, rows);
  std::string defs;
  for (const auto& [k, v] : e["slices"]["definitions"].items()) defs += k + ": " + v.get<std::string>() + "\n";
  doc.preformatted(defs);
  rows.clear();
  for (const auto& x : e["most_confident_errors"])
    rows.push_back({eval::label_name(x["label"].get<int>()), fmt(x["p_positive"], "%.3f"), show(x["text"])});
  doc.heading(3, "Most confident errors");
  doc.table({"label", "P(positive)", "text"}, rows);
}

// The run's dataset: --data, else config.ini's data.path as given or relative to the run directory.
std::string find_data(const ReportOptions& o, const runs::Run& run, std::string& note) {
  if (!o.data.empty()) return o.data;
  const std::string p = text::ini_value(run.config, "data.path");
  if (p.empty()) {
    note = "no --data given and the run has no data.path in config.ini";
    return "";
  }
  for (const fs::path& c : {fs::path(p), fs::path(o.input) / p})
    if (fs::is_regular_file(c)) return c.string();
  note = "no --data given and the run's data.path (" + p + ") does not exist here";
  return "";
}

}  // namespace

void add_run_sections(ReportDoc& doc, const ReportOptions& o, std::ostream& out) {
  const runs::Run run = runs::load_run(o.input);
  doc.heading(2, "Summary");
  if (run.summary) {
    const json summary = rundir::to_json(*run.summary);
    std::vector<std::vector<std::string>> rows;
    for (const char* k : {"run_name", "status", "steps", "epochs", "params", "non_embedding_params", "train_tokens",
                          "tokens_processed", "flops", "best_dev_loss", "best_dev_acc", "best_step", "final_dev_acc",
                          "final_train_loss", "data_fraction", "seed", "world_size", "device", "wall_s"})
      rows.push_back({k, show(summary[k])});
    for (const auto& [k, v] : summary["model"].items()) rows.push_back({"model." + k, show(v)});
    doc.table({"field", "value"}, rows);
  } else {
    doc.paragraph("No summary.json (the run may still be running or have failed).");
  }
  add_curves(doc, {run}, o, out);

  const std::string ckpt = runs::run_dir(o.input).best_checkpoint();
  doc.heading(2, "Evaluation of best.pt on dev");
  if (!fs::exists(ckpt)) {
    doc.paragraph("Skipped: " + ckpt + " does not exist.");
    return;
  }
  const model::Classifier classifier(ckpt, o.threads);
  std::string note;
  const std::string data = find_data(o, run, note);
  if (data.empty()) {
    doc.paragraph("Skipped: " + note + " (pass --data FILE.h5).");
  } else {
    eval::EvaluateOptions eo;
    eo.checkpoint = ckpt;
    eo.data = data;
    eo.output = (fs::path(o.output) / "evaluation").string();
    eo.settings.top_k = 5;
    doc.paragraph("Checkpoint " + ckpt + " (step " + std::to_string(classifier.info().step) + ") on the dev split of " +
                  data + ". Full tables: evaluation/evaluation.md.");
    const eval::Evaluation e = eval::run_evaluate(eo, classifier, out);
    if (e.labeled)
      add_evaluation(doc, e.json);
    else
      doc.paragraph("The dev split is unlabeled: predictions only (evaluation/predictions.tsv).");
  }
  doc.heading(2, "Attention example");
  attention::AttentionOptions ao;
  ao.checkpoint = ckpt;
  ao.sentences = {o.sentence};
  ao.output = (fs::path(o.output) / "attention").string();
  const json a = attention::run_attention(ao, classifier, out);
  const json& s = a["sentences"][0];
  doc.paragraph("\"" + o.sentence + "\": predicted " + eval::label_name(s["label"].get<int>()) +
                ", P(positive) = " + fmt(s["p_positive"], "%.3f") +
                ". Attention rollout (Abnar & Zuidema 2020) "
                "and the heads of the last layer; every layer is in attention/.");
  const auto& figs = s["figures"];
  doc.image("attention/" + figs.back().get<std::string>() + ".png", "attention rollout to [CLS]");
  if (figs.size() > 1)
    doc.image("attention/" + figs[figs.size() - 2].get<std::string>() + ".png", "last layer, per head");
}

void add_sweep_sections(ReportDoc& doc, const ReportOptions& o, std::ostream& out) {
  const std::string csv_path = (fs::path(o.input) / sweep::kCsvName).string();
  doc.heading(2, "Sweep table");
#ifdef SST_HAVE_FIT
  const fit::CsvTable t = fit::read_csv(csv_path);
  std::vector<std::string> cols;
  for (const char* c : {"run", "model", "params", "non_embedding_params", "data_fraction", "tokens_processed", "flops",
                        "best_dev_loss", "best_dev_acc", "epochs", "wall_s", "status"})
    if (t.has_column(c)) cols.push_back(c);
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : t.rows) {
    rows.emplace_back();
    for (const auto& c : cols) rows.back().push_back(r[t.column(c)]);
  }
  doc.table(cols, rows);

  doc.heading(2, "Scaling-law fit");
  // Completed runs with usable numbers only: a failed or running run's loss says nothing about L(N, D).
  const std::vector<std::string> need{"non_embedding_params", "tokens_processed", "best_dev_loss"};
  std::string points = "params,tokens,loss\n";
  size_t n = 0;
  bool have_cols = true;
  for (const auto& c : need) have_cols = have_cols && t.has_column(c);
  for (size_t i = 0; have_cols && i < t.rows.size(); ++i) {
    if (t.has_column("status") && t.rows[i][t.column("status")] != "completed") continue;
    double v[3];
    bool ok = true;
    for (int k = 0; k < 3; ++k)
      ok = ok && fit::parse_number(t.rows[i][t.column(need[k])], v[k]) && std::isfinite(v[k]) && v[k] > 0;
    if (!ok) continue;
    points += fmt(v[0], "%.17g") + "," + fmt(v[1], "%.17g") + "," + fmt(v[2], "%.17g") + "\n";
    ++n;
  }
  if (n < 6) {
    doc.paragraph("Skipped: " + std::to_string(n) +
                  " completed runs with non_embedding_params, tokens_processed and "
                  "best_dev_loss (the fit has 5 parameters; at least 6 points are needed).");
  } else {
    fit::FitCommandOptions fo;
    fo.output = (fs::path(o.output) / "fit").string();
    ensure_writable_dir(fo.output);
    fo.input = (fs::path(fo.output) / "points.csv").string();
    write_text_atomically(fo.input, points);
    try {
      const json f = fit::run_fit(fo, out);
      doc.paragraph("L(N, D) = E + A/N^alpha + B/D^beta fitted to " + std::to_string(n) +
                    " completed runs (N = non_embedding_params, D = tokens_processed, L = best_dev_loss); "
                    "details in fit/fit.json.");
      doc.table({"E", "A", "B", "alpha", "beta", "N_opt exponent", "D_opt exponent"},
                {{show(f["E"]), show(f["A"]), show(f["B"]), show(f["alpha"]), show(f["beta"]),
                  show(f["allocation"]["n_exponent"]), show(f["allocation"]["d_exponent"])}});
      for (const auto& stem : f["plots"]) doc.image("fit/" + stem.get<std::string>() + ".png", stem.get<std::string>());
    } catch (const UserError& e) {
      doc.paragraph(std::string("The fit failed: ") + e.what());
    }
  }
#else
  doc.preformatted(text::read_file(csv_path, "sweep table"));
  doc.heading(2, "Scaling-law fit");
  doc.paragraph("Skipped: this sst-analyze was built without Ceres (no `fit`).");
#endif
  add_curves(doc, runs::load_runs({o.input}), o, out);
}

}  // namespace sst::analysis::report
