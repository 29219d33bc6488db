// The sections of `sst-analyze report` (see report_command.h). Optional parts that cannot be produced
// (no checkpoint, no data file, too few sweep points for a fit) become a note in the report instead.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <tuple>
#include <utility>

#include "analysis/attention/attention_command.h"
#include "analysis/cli/cells.h"
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

std::string fmt(double v, const char* spec = "%.4g") { return cli::number_cell(spec, v); }

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
  const std::vector<std::string> names = e["classes"].get<std::vector<std::string>>();
  for (const std::string& c : names) {
    const auto& k = e["per_class"][c];
    rows.push_back(
        {c, fmt(k["precision"], "%.4f"), fmt(k["recall"], "%.4f"), fmt(k["f1"], "%.4f"), show(k["support"])});
  }
  doc.table({"class", "precision", "recall", "F1", "support"}, rows);
  const auto& m = e["confusion"]["matrix"];
  std::vector<std::string> header{"true \\ predicted"};
  header.insert(header.end(), names.begin(), names.end());
  rows.clear();
  for (size_t t = 0; t < names.size(); ++t) {
    rows.push_back({names[t]});
    for (size_t p = 0; p < names.size(); ++p) rows.back().push_back(show(m[t][p]));
  }
  doc.table(header, rows);
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
  const bool binary = names.size() == 2;
  for (const auto& x : e["most_confident_errors"]) {
    rows.push_back({names.at(x["label"].get<size_t>())});
    if (!binary) rows.back().push_back(names.at(x["predicted"].get<size_t>()));
    rows.back().push_back(fmt(binary ? x["p_positive"] : x["confidence"], "%.3f"));
    rows.back().push_back(show(x["text"]));
  }
  doc.heading(3, "Most confident errors");
  if (binary)
    doc.table({"label", "P(positive)", "text"}, rows);
  else
    doc.table({"label", "predicted", "confidence", "text"}, rows);
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
  doc.paragraph("\"" + o.sentence + "\": predicted " + s["name"].get<std::string>() + ", " +
                (s.contains("p_positive")
                     ? "P(positive) = " + fmt(s["p_positive"], "%.3f")
                     : "P(" + s["name"].get<std::string>() + ") = " + fmt(s["probability"], "%.3f")) +
                ". Attention rollout (Abnar & Zuidema 2020) "
                "and the heads of the last layer; every layer is in attention/.");
  const auto& figs = s["figures"];
  doc.image("attention/" + figs.back().get<std::string>() + ".png", "attention rollout to [CLS]");
  if (figs.size() > 1)
    doc.image("attention/" + figs[figs.size() - 2].get<std::string>() + ".png", "last layer, per head");
}

#ifdef SST_HAVE_FIT
namespace {

// The sweep table: the columns a reader scans, numbers at 4 significant digits (sweep.csv keeps all 17).
void add_sweep_table(ReportDoc& doc, const fit::CsvTable& t) {
  std::vector<std::pair<std::string, std::string>> cols;  // CSV column, header
  const bool budget = t.has_column("budget") && [&] {
    for (const auto& r : t.rows)
      if (!r[t.column("budget")].empty()) return true;
    return false;
  }();
  for (const auto& [c, h] : std::vector<std::pair<std::string, std::string>>{
           {"run", "run"},
           {"model", "model"},
           {"non_embedding_params", "N (non-emb.)"},
           {"params", "N (total)"},
           {budget ? "budget" : "data_fraction", budget ? "budget" : "fraction"},
           {budget ? "tokens_at_best" : "train_tokens", budget ? "D at best" : "D (unique)"},
           {"best_dev_loss", "best dev loss"},
           {"best_dev_acc", "best dev acc"},
           {"steps", "steps"},
           {"wall_s", "wall s"},
           {"status", "status"}})
    if (t.has_column(c)) cols.emplace_back(c, h);
  std::vector<std::string> header;
  for (const auto& c : cols) header.push_back(c.second);
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : t.rows) {
    rows.emplace_back();
    for (const auto& [c, h] : cols) {
      const std::string& v = r[t.column(c)];
      double x;
      const bool text = c == "run" || c == "model" || c == "status";
      rows.back().push_back(!text && fit::parse_number(v, x) ? fit::format_value(x, 4) : v);
    }
  }
  doc.table(header, rows);
}

void add_fit_law(ReportDoc& doc, const fit::FitReport& f, const std::string& level) {
  doc.paragraph("N = " + f.columns.params + ", D = " + f.columns.tokens + " (" + f.tokens_meaning +
                "), L = " + f.columns.loss + ". " + std::to_string(f.n_points) +
                " finished runs (completed or early_stopped) fitted; details in fit/fit.json.");
  const fit::ParametricReport& p = f.parametric;
  doc.paragraph("Identifiability of the parametric law: " + p.identifiability.line() + ".");
  const fit::LawIntervals& iv = p.intervals;
  std::vector<std::vector<std::string>> law;
  for (const auto& [k, v, i] : {std::tuple{"E", p.E, iv.E},
                                {"A", p.A, iv.A},
                                {"B", p.B, iv.B},
                                {"alpha", p.alpha, iv.alpha},
                                {"beta", p.beta, iv.beta}})
    law.push_back({k, fit::format_value(v), i ? fit::format_interval(*i) : "n/a"});
  if (p.identifiability.verdict == fit::Verdict::kNotIdentified)  // the verdict in place of the law's table
    doc.paragraph("L(N, D) = E + A/N^alpha + B/D^beta: not identified, so no values are given.");
  else
    doc.table({"parameter of E + A/N^alpha + B/D^beta", "value", level + "% interval"}, law);
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : f.approaches) {
    if (a.skipped) {
      rows.push_back({a.approach, "skipped", "", "", *a.skipped});
      continue;
    }
    std::string verdict_text = fit::verdict_name(a.identifiability.verdict);
    for (const auto& r : a.identifiability.reasons) verdict_text += "; " + r;
    if (a.identifiability.verdict == fit::Verdict::kNotIdentified) {  // the verdict in place of a and b
      rows.push_back({a.approach, "not given", "not given", std::to_string(a.points), verdict_text});
      continue;
    }
    rows.push_back({a.approach, fit::format_value(a.a, 3) + " " + fit::format_interval(a.a_interval),
                    fit::format_value(a.b, 3) + " " + fit::format_interval(a.b_interval), std::to_string(a.points),
                    verdict_text});
  }
  doc.heading(3, "Allocation exponents: N_opt ∝ C^a, D_opt ∝ C^b");
  doc.table({"approach", "a [" + level + "%]", "b [" + level + "%]", "points", "verdict"}, rows);
}

// The held-out runs against their predictions; when the law is not identified, the observed losses and why
// none is predicted.
void add_holdout(ReportDoc& doc, const fit::HoldoutReport& h, const std::string& level) {
  doc.heading(3, "Held-out runs (" + h.expression + ")");
  std::vector<std::vector<std::string>> hr;
  if (h.not_predicted) {
    for (const auto& r : h.runs) hr.push_back({r.run.value_or(std::to_string(r.line)), fit::format_value(r.observed)});
    doc.table({"run", "observed"}, hr);
    doc.paragraph("None predicted: the law is " + *h.not_predicted + ".");
    return;
  }
  for (const auto& r : h.runs)
    hr.push_back({r.run.value_or(std::to_string(r.line)), fit::format_value(r.observed), fit::format_value(r.predicted),
                  fit::format_interval(r.interval), fit::format_value(100 * r.relative_error, 2) + "%",
                  r.inside ? (*r.inside ? "yes" : "no") : "n/a"});
  doc.table({"run", "observed", "predicted", level + "% prediction interval", "error", "inside"}, hr);
  doc.paragraph("Mean absolute relative error " + fit::format_value(100 * h.mean_abs_relative_error, 2) + "%, max " +
                fit::format_value(100 * h.max_abs_relative_error, 2) + "%.");
}

void add_fit(ReportDoc& doc, const fit::FitReport& f) {
  const std::string level = std::to_string(static_cast<int>(std::lround(100 * f.parametric.bootstrap.level)));
  add_fit_law(doc, f, level);
  if (const auto& h = f.holdout) {
    add_holdout(doc, *h, level);
  }
  if (const auto& w = f.which_n) {
    std::string text = "Which N (by " + w->by + "): " + w->better + ".";
    for (const auto& x : w->fits) {
      if (x.identifiability && x.identifiability->verdict == fit::Verdict::kNotIdentified)
        text += " " + x.column + ": " + x.identifiability->line();
      else
        text +=
            " " + x.column + ": alpha " + fit::format_value(x.alpha, 3) + ", a " + fit::format_value(x.n_exponent, 3);
      if (x.holdout_mean_abs_relative_error)
        text += ", held-out error " + fit::format_value(100 * *x.holdout_mean_abs_relative_error, 2) + "%";
      text += '.';
    }
    doc.paragraph(text);
  }
  for (const auto& stem : f.plots) doc.image("fit/" + stem + ".png", stem);
}

}  // namespace
#endif

void add_sweep_sections(ReportDoc& doc, const ReportOptions& o, std::ostream& out) {
  const std::string csv_path = (fs::path(o.input) / sweep::kCsvName).string();
  doc.heading(2, "Sweep table");
#ifdef SST_HAVE_FIT
  const fit::CsvTable t = fit::read_csv(csv_path);
  add_sweep_table(doc, t);

  doc.heading(2, "Scaling laws");
  // The runs `fit` would use: finished ones (early stopping is how a sweep trains to the best dev loss).
  size_t finished = 0;
  for (const auto& r : t.rows)
    if (!t.has_column("status") || r[t.column("status")] == "completed" || r[t.column("status")] == "early_stopped")
      ++finished;
  if (finished < 6) {
    doc.paragraph("Skipped: " + std::to_string(finished) +
                  " finished runs (completed or early_stopped); the parametric law has 5 parameters, so at least 6 "
                  "are needed.");
  } else {
    fit::FitCommandOptions fo;
    fo.input = csv_path;
    fo.output = (fs::path(o.output) / "fit").string();
    fo.holdout = o.holdout;
    fo.bootstrap.samples = o.bootstrap;
    fo.fit.solver.threads = o.threads;
    try {
      add_fit(doc, fit::run_fit(fo, out));
    } catch (const UserError& e) {
      doc.paragraph(std::string("The fit failed: ") + e.what());
    }
  }
#else
  doc.preformatted(text::read_file(csv_path, "sweep table"));
  doc.heading(2, "Scaling laws");
  doc.paragraph("Skipped: this sst-analyze was built without Ceres (no `fit`).");
#endif
  add_curves(doc, runs::load_runs({o.input}), o, out);
}

}  // namespace sst::analysis::report
