// Approaches 1 and 2 of `sst-analyze fit` and what the parametric law implies (fit_steps.h).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "analysis/fit/fit_steps.h"

namespace sst::analysis::fit {
namespace {

Interval one_minus(const Interval& i) { return {1 - i.hi, 1 - i.lo}; }

// a's verdict for approaches 1 and 2: enough distinct optima, and a tight enough interval.
Identifiability allocation_verdict(size_t optima, const char* what, double a, const Interval& ci) {
  Identifiability id;
  if (optima < 2)
    id.fail(std::to_string(optima) + " " + what + " (a slope needs at least 2)");
  else if (optima < 3)
    id.weaken("only 2 " + std::string(what));
  check_exponent(id, "a", a, ci);
  check_exponent(id, "b", 1 - a, one_minus(ci));  // D_opt = C / (6 N_opt): b = 1 - a
  return id;
}

ApproachReport allocation_row(const std::string& name, double a, const Interval& a_ci, size_t points,
                              const Identifiability& id, const std::string& note) {
  ApproachReport r;
  r.approach = name;
  r.a = a;
  r.b = 1 - a;
  r.a_interval = a_ci;
  r.b_interval = one_minus(a_ci);
  r.points = points;
  r.identifiability = id;
  r.note = note;
  withhold_if_rejected(r);
  return r;
}

ApproachReport skipped_row(const std::string& name, const std::string& why) {
  ApproachReport r;
  r.approach = name;
  r.skipped = why;
  return r;
}

}  // namespace

void withhold_if_rejected(ApproachReport& row) {
  if (row.identifiability.verdict != Verdict::kNotIdentified) return;
  row.a = row.b = kUndetermined;
  row.a_interval = row.b_interval = Interval{kUndetermined, kUndetermined};
}

EnvelopePart envelope_approach(const FitContext& c) {
  const char* name = "1: lower envelope of the training curves";
  EnvelopePart p;
  std::string note;
  const std::string dir =
      !c.o.curves_dir.empty() ? c.o.curves_dir : std::filesystem::path(c.o.input).parent_path().string();
  p.curves = read_curves(c.in, dir.empty() ? "." : dir, note);
  if (p.curves.empty()) {
    p.report = skipped_row(name, note);
    return p;
  }
  p.envelope = lower_envelope(p.curves);
  const BootstrapOptions& b = c.o.bootstrap;
  const Interval a_ci = b.samples ? c.pct.of(bootstrap_envelope(p.curves, b.samples, b.seed, c.o.fit.solver.threads))
                                  : Interval{kUndetermined, kUndetermined};
  const double a = p.envelope.n_opt.exponent;
  p.report = allocation_row(name, a, a_ci, p.envelope.points.size(),
                            allocation_verdict(p.envelope.distinct_sizes, "model size(s) on the envelope", a, a_ci),
                            "C = 6 N tokens along each run's dev-loss curve");
  return p;
}

IsoflopPart isoflop_approach(const FitContext& c) {
  const char* name = "2: IsoFLOP profiles";
  IsoflopPart p;
  const FitInput& in = c.in;
  if (in.flops_budget.empty()) {
    p.report = skipped_row(name, in.budget_note);
    return p;
  }
  p.iso = isoflop_parabolas(in.flops_budget, in.data.n, in.data.loss);
  const BootstrapOptions& b = c.o.bootstrap;
  const Interval a_ci = b.samples ? c.pct.of(bootstrap_isoflop(in.flops_budget, in.data.n, in.data.loss, b.samples,
                                                               b.seed, c.o.fit.solver.threads))
                                  : Interval{kUndetermined, kUndetermined};
  const double a = p.iso.n_opt.exponent;
  p.report = allocation_row(name, a, a_ci, p.iso.used,
                            allocation_verdict(p.iso.used, "budget(s) whose sizes bracket the minimum", a, a_ci),
                            std::to_string(p.iso.budgets.size()) + " budgets");
  // Per budget: where its parabola puts N_opt when the sizes bracket it. An unbracketed vertex is an
  // extrapolation (it can sit at N = 1e-22 with a negative loss): not a result, so null.
  p.report.profiles.emplace();
  for (const auto& f : p.iso.budgets)
    p.report.profiles->push_back({f.flops, f.distinct_sizes, f.bracketed ? f.n_opt : kUndetermined,
                                  f.bracketed ? f.loss_opt : kUndetermined, f.bracketed});
  return p;
}

std::vector<PredictionReport> predict_budgets(const FitContext& c, const ParametricPart& p,
                                              std::vector<BudgetPrediction>& predictions) {
  std::vector<PredictionReport> rows;
  for (double flops : c.o.budgets) {
    const BudgetPrediction b = predict_budget(p.fit.law, flops);
    predictions.push_back(b);
    PredictionReport r{flops, kUndetermined, kUndetermined, kUndetermined, std::nullopt};
    if (!p.identified()) {  // no prediction from a law that is not identified
      rows.push_back(r);
      continue;
    }
    r.N_opt = b.n_opt, r.D_opt = b.d_opt, r.loss = b.loss;
    if (!p.fit.boot.empty())
      r.intervals = PredictionIntervals{
          p.quantile([flops](const ScalingLaw& l) { return predict_budget(l, flops).n_opt; }, c.pct),
          p.quantile([flops](const ScalingLaw& l) { return predict_budget(l, flops).d_opt; }, c.pct),
          p.quantile([flops](const ScalingLaw& l) { return predict_budget(l, flops).loss; }, c.pct)};
    rows.push_back(r);
  }
  return rows;
}

std::vector<LawIsoflopReport> law_isoflops(const FitContext& c, const ParametricPart& p,
                                           std::vector<IsoflopProfile>& profiles) {
  std::vector<LawIsoflopReport> rows;
  const ScalingLaw& law = p.fit.law;
  const Allocation alloc = allocation(law);
  if (!p.identified() || !std::isfinite(alloc.G)) return rows;
  for (double flops : isoflop_budgets(c.data, c.o.isoflop_count)) {
    const double center = alloc.n_opt(flops);
    profiles.push_back(isoflop_profile(law, flops, center / 100, center * 100));
    const auto& p = profiles.back();
    rows.push_back({flops, p.n_min, p.d_min, p.loss_min});
  }
  return rows;
}

namespace {

// The one-variable law's verdict: at least 3 distinct x, alpha (with its bootstrap interval) judged as the
// exponents of the two-variable law are, and a term that changes the loss by at least 1% over the data.
Identifiability judge_single_variable(const std::vector<double>& x, const PowerLaw& law, const Interval& alpha,
                                      bool bootstrapped) {
  Identifiability id;
  std::vector<double> distinct = x;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() < 3)
    id.fail("it takes " + std::to_string(distinct.size()) + " distinct value(s) (the law needs at least 3)");
  check_exponent(id, "alpha", law.alpha, alpha);
  if (!std::isfinite(law.E) || !std::isfinite(law.A)) id.fail("a coefficient is not a finite number");
  // A term that does not change the loss over the data (a steep exponent fitted to noise) is not shown by it.
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  const double change = law.A / std::pow(*lo, law.alpha) - law.A / std::pow(*hi, law.alpha);
  const double mean = law.loss(std::sqrt(*lo * *hi));
  if (id.verdict != Verdict::kNotIdentified && !(change > 0.01 * mean))
    id.fail("the A / x^alpha term changes the loss by less than 1% over the data");
  if (!bootstrapped) id.warnings.push_back("no bootstrap: the intervals were not checked (--bootstrap N)");
  return id;
}

// The one-variable law along the largest value of the other variable (e.g. L(N) at the largest D), with a
// bootstrap of its points (each resample refitted from the full fit's best distinct starts) and a verdict;
// a law that is not identified keeps only its objective.
SingleVariableReport single_variable(const FitContext& c, bool along_n) {
  const Data& data = c.data;
  const std::vector<double>& fixed = along_n ? data.d : data.n;
  const auto levels = group_levels(fixed);
  const auto& top = levels.back();
  std::vector<double> x, y;
  for (size_t i : top) {
    x.push_back(along_n ? data.n[i] : data.d[i]);
    y.push_back(data.loss[i]);
  }
  SingleVariableReport r;
  r.variable = along_n ? "params" : "tokens";
  r.fixed = along_n ? "tokens" : "params";
  r.fixed_value = fixed[top.front()];
  r.n_points = x.size();
  if (x.size() < 3) {
    r.skipped = "only " + std::to_string(x.size()) + " point(s) at the largest " + r.fixed + " (need 3)";
    return r;
  }
  const PowerLawFit f = fit_power_law(x, y, c.o.fit);
  r.objective = f.objective;
  Interval alpha{kUndetermined, kUndetermined};
  const size_t samples = c.o.bootstrap.samples;
  if (samples) {
    const auto picks = resample_indices(x.size(), samples, c.o.bootstrap.seed + (along_n ? 11 : 13));
    std::vector<double> alphas(samples, kUndetermined);
    parallel_for(samples, c.o.fit.solver.threads, [&](size_t s) {
      std::vector<double> bx, by;
      for (size_t i : picks[s]) bx.push_back(x[i]), by.push_back(y[i]);
      alphas[s] = refit_power_law(bx, by, f.bootstrap_starts, c.o.fit).alpha;
    });
    std::vector<double> finite;
    for (double a : alphas)
      if (std::isfinite(a)) finite.push_back(a);
    alpha = c.pct.of(finite);
  }
  r.identifiability = judge_single_variable(x, f.law, alpha, samples > 0);
  // No value of a rejected law, its interval included (the reasons quote the interval that rejected it).
  if (r.identifiability->verdict == Verdict::kNotIdentified) return r;
  if (samples) r.alpha_interval = alpha;
  r.E = f.law.E;
  r.A = f.law.A;
  r.alpha = f.law.alpha;
  return r;
}

}  // namespace

SingleVariableFits single_variable_fits(const FitContext& c) {
  return {single_variable(c, true), single_variable(c, false)};
}

std::vector<double> log_residuals(const Data& data, const ScalingLaw& law) {
  std::vector<double> r;
  for (size_t i = 0; i < data.size(); ++i) r.push_back(std::log(data.loss[i]) - law.log_loss(data.n[i], data.d[i]));
  return r;
}

ResidualsReport summarize_residuals(const std::vector<double>& residuals) {
  std::vector<double> abs_res;
  for (double r : residuals) abs_res.push_back(std::abs(r));
  if (abs_res.empty()) return {};
  return {percentile_interval(abs_res, 0.5, 0.5).lo, *std::max_element(abs_res.begin(), abs_res.end())};
}

// Held-out runs: predicted against observed, with a bootstrap prediction interval: each resample's law at the
// run plus a residual of the full fit drawn at random (parameter and noise uncertainty together). A law that
// is not identified predicts no run: the runs keep their observed loss, every prediction field and the
// summary's errors and coverage are null, and `not_predicted` gives the verdict and its reasons.
HoldoutReport predict_held_out(const FitContext& c, const ParametricPart& p, const std::vector<double>& residuals,
                               const KaplanPart* kaplan_part) {
  const FitInput& in = c.in;
  HoldoutReport h;
  h.expression = c.o.holdout;
  if (!p.identified()) {
    h.not_predicted = p.report.identifiability.line();
    h.mean_abs_relative_error = h.max_abs_relative_error = kUndetermined;
  }
  const KaplanLaw* kaplan = kaplan_part ? &kaplan_part->law : nullptr;
  const std::optional<Identifiability> kaplan_id = kaplan_part ? kaplan_part->report.identifiability : std::nullopt;
  if (kaplan_id && kaplan_id->verdict == Verdict::kNotIdentified) {  // no prediction from a rejected law
    h.kaplan_not_predicted = kaplan_id->line();
    kaplan = nullptr;
  }
  double sum_abs = 0;
  size_t inside = 0, with_interval = 0;
  std::mt19937_64 rng(c.o.bootstrap.seed ^ 0x5eedULL);
  const bool has_run = in.table.has_column("run");
  for (size_t k = 0; k < in.held.size(); ++k) {
    HeldOutRun r;
    r.line = in.table.lines[in.held_out[k]];
    if (has_run) r.run = in.table.rows[in.held_out[k]][in.table.column("run")];
    r.params = in.held.n[k], r.tokens = in.held.d[k], r.observed = in.held.loss[k];
    if (kaplan)
      r.kaplan_predicted = kaplan->loss(r.params, r.tokens);
    else if (h.kaplan_not_predicted)
      r.kaplan_predicted = kUndetermined;  // null, with the reason in kaplan_not_predicted
    if (h.not_predicted) {                 // null predicted, relative_error and interval; inside absent
      r.predicted = r.relative_error = kUndetermined;
      h.runs.push_back(r);
      continue;
    }
    r.predicted = std::exp(p.fit.law.log_loss(r.params, r.tokens));
    r.relative_error = (r.predicted - r.observed) / r.observed;
    std::vector<double> draws;
    for (const auto& b : p.fit.boot)
      if (std::isfinite(b.E) && !residuals.empty())
        draws.push_back(std::exp(b.log_loss(r.params, r.tokens) + residuals[rng() % residuals.size()]));
    r.interval = c.pct.of(draws);
    if (std::isfinite(r.interval.lo)) {
      ++with_interval;
      r.inside = r.observed >= r.interval.lo && r.observed <= r.interval.hi;
      inside += *r.inside;
    }
    sum_abs += std::abs(r.relative_error);
    h.max_abs_relative_error = std::max(h.max_abs_relative_error, std::abs(r.relative_error));
    h.runs.push_back(r);
  }
  if (!h.not_predicted) h.mean_abs_relative_error = sum_abs / static_cast<double>(std::max<size_t>(1, in.held.size()));
  if (with_interval) h.coverage = static_cast<double>(inside) / static_cast<double>(with_interval);
  return h;
}

}  // namespace sst::analysis::fit
