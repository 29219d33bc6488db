// `sst-analyze fit`: every approach from one set of runs, one typed part each, assembled into a FitReport
// (fit_report.h) and written as fit.json (see fit_command.h). The steps are in fit_parametric.cpp and
// fit_allocation.cpp (fit_steps.h); the numerics in scaling_fit.cpp, varpro.cpp, kaplan.cpp and
// approaches.cpp, on solver.cpp; the figures in fit_figures.cpp; the printed summary in fit_summary.cpp.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <utility>

#include "analysis/fit/fit_figures.h"
#include "analysis/fit/fit_steps.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/files.h"

namespace sst::analysis::fit {

FitContext read_context(const FitCommandOptions& o) {
  // --budget, --level and --isoflop-budgets are checked once, by fit's option table (fit_command.cpp).
  FitContext c{o, read_fit_input(o.input, o.columns, o.holdout), {}, {}, {(1 - o.level) / 2, 1 - (1 - o.level) / 2}};
  c.data = exclude_highest_loss(c.in.data, o.exclude_top_k, &c.excluded);
  return c;
}

namespace {

// What was fitted: the input, its columns, which runs were used, left out, excluded.
void describe_input(const FitContext& c, FitReport& r) {
  const FitInput& in = c.in;
  r.input = c.o.input;
  r.columns = {in.n_column, in.d_column, in.loss_column};
  r.tokens_meaning = in.d_meaning;
  r.runs = {in.table.rows.size(), in.rows.size() + in.held_out.size(), c.data.size(), in.held_out.size(), in.left_out};
  r.n_points = c.data.size();
  r.n_input_points = in.data.size();
  r.delta = c.o.fit.delta;
  for (size_t i : c.excluded)
    r.excluded.push_back({in.table.lines[in.rows[i]], in.data.n[i], in.data.d[i], in.data.loss[i]});
}

Data excluded_points(const FitContext& c) {
  Data d;
  for (size_t i : c.excluded) {
    d.n.push_back(c.in.data.n[i]);
    d.d.push_back(c.in.data.d[i]);
    d.loss.push_back(c.in.data.loss[i]);
  }
  return d;
}

// What the figures draw, from the parts.
FitFigureInput figure_input(const FitContext& c, const ParametricPart& p, const std::optional<KaplanPart>& k,
                            const EnvelopePart& env, const IsoflopPart& iso) {
  FitFigureInput fig;
  fig.data = c.data;
  fig.excluded = excluded_points(c);
  fig.held = c.in.held;
  fig.law = p.fit.law;
  fig.boot = p.fit.boot;
  fig.level = c.o.level;
  fig.curves = env.curves;
  fig.envelope = env.envelope;
  fig.iso = iso.iso;
  fig.iso_points = c.in.data;
  if (k) fig.kaplan = k->law;
  auto drawn = [](const Identifiability& id) { return id.verdict != Verdict::kNotIdentified; };
  fig.law_identified = p.identified();
  fig.kaplan_identified = k && drawn(*k->report.identifiability);
  fig.envelope_identified = !env.report.skipped && drawn(env.report.identifiability);
  fig.iso_identified = !iso.report.skipped && drawn(iso.report.identifiability);
  fig.law_verdict = p.report.identifiability.line();
  fig.envelope_verdict = env.report.skipped ? "skipped: " + *env.report.skipped : env.report.identifiability.line();
  fig.iso_verdict = iso.report.skipped ? "skipped: " + *iso.report.skipped : iso.report.identifiability.line();
  fig.n_name = c.in.n_column;
  fig.d_name = c.in.d_column;
  fig.loss_name = c.in.loss_column;
  return fig;
}

// All or nothing: the figures and fit.json are written into a temporary folder, and moved into --output
// only when all of them were written.
void write_outputs(const FitContext& c, FitReport& r, const FitFigureInput* fig) {
  StagedDir staged(c.o.output, "fit");
  if (fig)
    for (const auto& stem : write_fit_figures(staged.path(), *fig)) r.plots.push_back(stem);
  // Text from the CSV (a run name, a column) need not be UTF-8: such bytes are written as U+FFFD.
  const std::string text = to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  write_text_atomically((std::filesystem::path(staged.path()) / "fit.json").string(), text + "\n");
  staged.commit({c.o.input});
}

}  // namespace

FitReport run_fit(const FitCommandOptions& o, std::ostream& out) {
  const FitContext c = read_context(o);
  ensure_output_dir(o.output);
  FitReport r;
  describe_input(c, r);

  const auto t_fit = SteadyClock::now();
  const ParametricPart parametric = fit_parametric(c);
  r.fit_seconds = seconds_since(t_fit);
  r.parametric = parametric.report;
  const std::optional<KaplanPart> kaplan = fit_kaplan_form(c, parametric.fit.checks);
  if (kaplan) r.kaplan = kaplan->report;

  const EnvelopePart envelope = envelope_approach(c);
  const IsoflopPart isoflop = isoflop_approach(c);
  r.approaches = {envelope.report, isoflop.report, parametric_approach(c, parametric)};
  if (kaplan) r.approaches.push_back(kaplan_approach(c, *kaplan));

  std::vector<BudgetPrediction> predictions;
  std::vector<IsoflopProfile> profiles;
  r.predictions = predict_budgets(c, parametric, predictions);
  r.isoflop = law_isoflops(c, parametric, profiles);
  r.single_variable = single_variable_fits(c);
  const std::vector<double> residuals = log_residuals(c.data, parametric.fit.law);
  r.residuals_log = summarize_residuals(residuals);
  if (!c.in.held_out.empty()) r.holdout = predict_held_out(c, parametric, residuals, kaplan ? &*kaplan : nullptr);
  r.which_n = compare_parameter_counts(c, parametric);

  std::optional<FitFigureInput> fig;
  if (o.plots) {
    fig = figure_input(c, parametric, kaplan, envelope, isoflop);
    fig->profiles = std::move(profiles);
    fig->budgets = std::move(predictions);
  }
  write_outputs(c, r, fig ? &*fig : nullptr);
  print_fit_summary(r, out);
  out << "  wrote " << (std::filesystem::path(o.output) / "fit.json").string();
  if (!r.plots.empty()) out << " and " << r.plots.size() << " figures (.png, .svg; .dat/.gp to restyle)";
  out << "\n";
  return r;
}

}  // namespace sst::analysis::fit
