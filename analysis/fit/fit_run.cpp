// `sst-analyze fit`: every approach from one set of runs, assembled into fit.json (see fit_command.h). The
// numerics live in scaling_fit.cpp, varpro.cpp, kaplan.cpp and approaches.cpp; the figures in fit_figures.cpp;
// the printed summary in fit_summary.cpp.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

#include "analysis/fit/approaches.h"
#include "analysis/fit/fit_command.h"
#include "analysis/fit/fit_figures.h"
#include "analysis/fit/identifiability.h"
#include "analysis/fit/kaplan.h"
#include "analysis/fit/scaling_internal.h"
#include "common/error.h"
#include "common/files.h"

using nlohmann::json;

namespace sst::analysis::fit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }  // JSON has no NaN
json interval_json(const Interval& i) { return json::array({num(i.lo), num(i.hi)}); }

struct Percentiles {
  double lo, hi;
  Interval of(const std::vector<double>& v) const { return percentile_interval(v, lo, hi); }
};

size_t distinct(const std::vector<double>& v) { return std::set<double>(v.begin(), v.end()).size(); }

// The parametric Chinchilla law by the chosen method, with its bootstrap resamples.
struct LawFit {
  ScalingLaw law;
  double objective = 0;
  LawChecks checks;
  std::vector<ScalingLaw> boot;
  json method;  // how it was found (fit.json "method")
};

LawFit fit_chinchilla(const Data& data, const FitCommandOptions& o, bool with_bootstrap) {
  LawFit r;
  r.checks.distinct_n = distinct(data.n);
  r.checks.distinct_d = distinct(data.d);
  VarProOptions vo = o.varpro;
  vo.delta = o.fit.delta;
  const auto t0 = Clock::now();
  if (o.method == FitMethod::kLbfgs) {
    const FitResult f = fit(data, o.fit);
    r.law = f.law;
    r.objective = f.objective;
    size_t converged = 0;
    for (const auto& s : f.starts) converged += s.converged;
    const StartGrid& g = o.fit.grid;
    r.method = {{"name", "multi-start L-BFGS (Hoffmann et al. 2022, appendix D.2)"},
                {"seconds", since(t0)},
                {"grid",
                 {{"a", g.a},
                  {"b", g.b},
                  {"e", g.e},
                  {"alpha", g.alpha},
                  {"beta", g.beta},
                  {"starts", f.starts.size()},
                  {"converged_starts", converged},
                  {"best_start_initial", f.starts[f.best_start].initial}}}};
    if (with_bootstrap && o.bootstrap.samples) {
      const BootstrapResult b = bootstrap(data, f, o.fit, o.bootstrap);
      r.boot = b.laws;
      r.method["bootstrap_starts_per_fit"] = b.starts_per_fit;
    }
    return r;
  }
  const VarProResult v = fit_varpro(data, vo);
  r.law = v.law;
  r.objective = v.objective;
  r.checks.alpha_on_bound = v.alpha_on_bound;
  r.checks.beta_on_bound = v.beta_on_bound;
  r.checks.E_zero = v.E_zero;
  r.checks.A_zero = v.A_zero;
  r.checks.B_zero = v.B_zero;
  r.method = {{"name", "variable projection (exponents searched, E, A, B >= 0 by Huber-weighted NNLS)"},
              {"seconds", since(t0)},
              {"profile_evaluations", v.profile_evaluations},
              {"bounds", {{"alpha", {0, vo.exponent_max}}, {"beta", {0, vo.exponent_max}}, {"E, A, B", ">= 0"}}}};
  if (o.method == FitMethod::kBoth) {
    const auto t1 = Clock::now();
    const FitResult f = fit(data, o.fit);
    r.method["lbfgs_check"] = {
        {"objective", f.objective}, {"starts", f.starts.size()},
        {"seconds", since(t1)},     {"relative_difference", (v.objective - f.objective) / f.objective},
        {"alpha", f.law.alpha},     {"beta", f.law.beta}};
  }
  if (with_bootstrap && o.bootstrap.samples) {
    const auto picks = resample_indices(data.size(), o.bootstrap.samples, o.bootstrap.seed);
    r.boot.assign(picks.size(), ScalingLaw{kNaN, kNaN, kNaN, kNaN, kNaN});
    parallel_for(picks.size(), o.fit.solver.threads, [&](size_t s) {
      try {
        r.boot[s] = fit_varpro(subset(data, picks[s]), vo).law;
      } catch (const UserError&) {  // a degenerate resample stays NaN, left out of the percentiles
      }
    });
  }
  return r;
}

// Held-out runs: predicted against observed, with a bootstrap prediction interval: each resample's law at the
// run plus a residual of the full fit drawn at random (parameter and noise uncertainty together).
json predict_held_out(const FitInput& in, const ScalingLaw& law, const std::vector<ScalingLaw>& boot,
                      const std::vector<double>& residuals, const Percentiles& pct, uint64_t seed,
                      const KaplanLaw* kaplan) {
  json rows = json::array();
  double sum_abs = 0, max_abs = 0;
  size_t inside = 0, with_interval = 0;
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  const bool has_run = in.table.has_column("run");
  for (size_t k = 0; k < in.held.size(); ++k) {
    const double n = in.held.n[k], d = in.held.d[k], obs = in.held.loss[k];
    const double pred = std::exp(law.log_loss(n, d));
    const double rel = (pred - obs) / obs;
    std::vector<double> draws;
    for (const auto& b : boot)
      if (std::isfinite(b.E) && !residuals.empty())
        draws.push_back(std::exp(b.log_loss(n, d) + residuals[rng() % residuals.size()]));
    const Interval pi = pct.of(draws);
    json row{{"line", in.table.lines[in.held_out[k]]},
             {"params", n},
             {"tokens", d},
             {"observed", obs},
             {"predicted", pred},
             {"relative_error", rel},
             {"interval", interval_json(pi)}};
    if (has_run) row["run"] = in.table.rows[in.held_out[k]][in.table.column("run")];
    if (std::isfinite(pi.lo)) {
      ++with_interval;
      const bool in_pi = obs >= pi.lo && obs <= pi.hi;
      inside += in_pi;
      row["inside"] = in_pi;
    }
    if (kaplan) row["kaplan_predicted"] = num(kaplan->loss(n, d));
    sum_abs += std::abs(rel);
    max_abs = std::max(max_abs, std::abs(rel));
    rows.push_back(row);
  }
  json j{{"runs", rows},
         {"mean_abs_relative_error", sum_abs / static_cast<double>(std::max<size_t>(1, in.held.size()))},
         {"max_abs_relative_error", max_abs}};
  if (with_interval) j["coverage"] = static_cast<double>(inside) / static_cast<double>(with_interval);
  return j;
}

json approach_row(const std::string& name, double a, const Interval& a_ci, double b, const Interval& b_ci,
                  size_t points, const Identifiability& id, const std::string& note) {
  json j{{"approach", name},
         {"a", num(a)},
         {"a_interval", interval_json(a_ci)},
         {"b", num(b)},
         {"b_interval", interval_json(b_ci)},
         {"points", points},
         {"verdict", verdict_name(id.verdict)},
         {"reasons", id.reasons}};
  if (!note.empty()) j["note"] = note;
  return j;
}

Interval one_minus(const Interval& i) { return {1 - i.hi, 1 - i.lo}; }

// The one-variable law along the largest value of the other variable (e.g. L(N) at the largest D).
json single_variable(const Data& data, bool along_n, const FitOptions& options, const std::string& x_name,
                     const std::string& fixed_name) {
  const std::vector<double>& fixed = along_n ? data.d : data.n;
  const auto levels = group_levels(fixed);
  const auto& top = levels.back();
  std::vector<double> x, y;
  for (size_t i : top) {
    x.push_back(along_n ? data.n[i] : data.d[i]);
    y.push_back(data.loss[i]);
  }
  json j{{"variable", x_name}, {"fixed", fixed_name}, {"fixed_value", fixed[top.front()]}, {"n_points", x.size()}};
  if (x.size() < 3) {
    j["skipped"] = "only " + std::to_string(x.size()) + " point(s) at the largest " + fixed_name + " (need 3)";
    return j;
  }
  const PowerLawFit f = fit_power_law(x, y, options);
  j["E"] = num(f.law.E);
  j["A"] = num(f.law.A);
  j["alpha"] = num(f.law.alpha);
  j["objective"] = f.objective;
  return j;
}

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

}  // namespace

json run_fit(const FitCommandOptions& o, std::ostream& out) {
  for (double c : o.budgets)
    if (!(std::isfinite(c) && c > 0)) throw UserError("--budget must be a positive number of FLOPs");
  if (!(o.level > 0 && o.level < 1)) throw UserError("--level must be in (0, 1)");
  const FitInput in = read_fit_input(o.input, o.columns, o.holdout);
  std::vector<size_t> excluded_idx;
  const Data data = exclude_highest_loss(in.data, o.exclude_top_k, &excluded_idx);
  ensure_output_dir(o.output);
  const Percentiles pct{(1 - o.level) / 2, 1 - (1 - o.level) / 2};
  const int threads = o.fit.solver.threads;

  // ---- approach 3, Chinchilla's form ----
  const auto t_fit = Clock::now();
  const LawFit chin = fit_chinchilla(data, o, /*with_bootstrap=*/true);
  const ScalingLaw& law = chin.law;
  const double fit_seconds = since(t_fit);
  const Allocation alloc = allocation(law);
  auto over_boot = [&](auto&& quantity) {
    std::vector<double> v;
    for (const auto& l : chin.boot) v.push_back(std::isfinite(l.E) ? quantity(l) : kNaN);
    return pct.of(v);
  };
  size_t failed = 0;
  for (const auto& l : chin.boot) failed += !std::isfinite(l.E);
  LawChecks checks = chin.checks;
  checks.bootstrapped = !chin.boot.empty();
  checks.failed_fraction = chin.boot.empty() ? 0 : static_cast<double>(failed) / static_cast<double>(chin.boot.size());
  const Interval alpha_ci = over_boot([](const ScalingLaw& l) { return l.alpha; });
  const Interval beta_ci = over_boot([](const ScalingLaw& l) { return l.beta; });
  const Identifiability id = identify_law(law, alpha_ci, beta_ci, checks);

  json j;
  j["input"] = o.input;
  j["columns"] = {{"params", in.n_column}, {"tokens", in.d_column}, {"loss", in.loss_column}};
  j["tokens_meaning"] = in.d_meaning;
  json left = json::object();
  for (const auto& [status, count] : in.left_out) left[status] = count;
  j["runs"] = {{"rows", in.table.rows.size()},
               {"finished", in.rows.size() + in.held_out.size()},
               {"fitted", data.size()},
               {"held_out", in.held_out.size()},
               {"left_out_unfinished", left}};
  j["model"] = "L(N, D) = E + A / N^alpha + B / D^beta";
  j["method"] = chin.method;
  for (const auto& [k, v] :
       {std::pair{"E", law.E}, {"A", law.A}, {"B", law.B}, {"alpha", law.alpha}, {"beta", law.beta}})
    j[k] = num(v);
  j["objective"] = chin.objective;
  j["n_points"] = data.size();
  j["n_input_points"] = in.data.size();
  j["delta"] = o.fit.delta;
  j["identifiability"] = {{"verdict", verdict_name(id.verdict)}, {"reasons", id.reasons}, {"warnings", id.warnings}};
  json excluded = json::array();
  Data excluded_data;
  for (size_t i : excluded_idx) {
    excluded.push_back({{"line", in.table.lines[in.rows[i]]},
                        {"params", in.data.n[i]},
                        {"tokens", in.data.d[i]},
                        {"loss", in.data.loss[i]}});
    excluded_data.n.push_back(in.data.n[i]);
    excluded_data.d.push_back(in.data.d[i]);
    excluded_data.loss.push_back(in.data.loss[i]);
  }
  j["excluded"] = excluded;
  j["allocation"] = {{"G", num(alloc.G)},
                     {"n_exponent", num(alloc.n_exponent)},
                     {"d_exponent", num(alloc.d_exponent)},
                     {"formula", "N_opt = G (C/6)^n_exponent, D_opt = (C/6)^d_exponent / G, C = 6 N D"}};
  json intervals = json::object();
  if (!chin.boot.empty()) {
    intervals["E"] = interval_json(over_boot([](const ScalingLaw& l) { return l.E; }));
    intervals["A"] = interval_json(over_boot([](const ScalingLaw& l) { return l.A; }));
    intervals["B"] = interval_json(over_boot([](const ScalingLaw& l) { return l.B; }));
    intervals["alpha"] = interval_json(alpha_ci);
    intervals["beta"] = interval_json(beta_ci);
    intervals["G"] = interval_json(over_boot([](const ScalingLaw& l) { return allocation(l).G; }));
    intervals["n_exponent"] = interval_json(over_boot([](const ScalingLaw& l) { return allocation(l).n_exponent; }));
    intervals["d_exponent"] = interval_json(over_boot([](const ScalingLaw& l) { return allocation(l).d_exponent; }));
  }
  j["intervals"] = intervals;
  j["bootstrap"] = {{"samples", o.bootstrap.samples},
                    {"seed", o.bootstrap.seed},
                    {"failed_fits", failed},
                    {"level", o.level},
                    {"percentiles", {100 * pct.lo, 100 * pct.hi}}};

  // ---- Kaplan's form ----
  KaplanFit kap;
  bool have_kaplan = false;
  std::vector<KaplanLaw> kap_boot;
  if (o.kaplan && data.size() >= 4) {
    kap = fit_kaplan(data, o.fit.delta, o.fit.solver);
    have_kaplan = true;
    if (o.bootstrap.samples) {
      const auto starts = kaplan_reduced_starts(kap, 16);
      const auto picks = resample_indices(data.size(), o.bootstrap.samples, o.bootstrap.seed);
      kap_boot.assign(picks.size(), KaplanLaw{kNaN, kNaN, kNaN, kNaN});
      SolverOptions inner = o.fit.solver;
      inner.threads = 1;
      parallel_for(picks.size(), threads, [&](size_t s) {
        try {
          kap_boot[s] = fit_kaplan(subset(data, picks[s]), o.fit.delta, inner, starts).law;
        } catch (const UserError&) {
        }
      });
    }
    auto kap_over = [&](auto&& q) {
      std::vector<double> v;
      for (const auto& l : kap_boot) v.push_back(q(l));
      return pct.of(v);
    };
    j["kaplan"] = {
        {"model", "L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D"},
        {"N_c", num(kap.law.Nc)},
        {"D_c", num(kap.law.Dc)},
        {"alpha_N", num(kap.law.alpha_N)},
        {"alpha_D", num(kap.law.alpha_D)},
        {"objective", kap.objective},
        {"starts", kap.starts.size()},
        {"intervals", kap_boot.empty()
                          ? json::object()
                          : json{{"alpha_N", interval_json(kap_over([](const KaplanLaw& l) { return l.alpha_N; }))},
                                 {"alpha_D", interval_json(kap_over([](const KaplanLaw& l) { return l.alpha_D; }))}}}};
  }

  // ---- the allocation exponents of every approach ----
  json approaches = json::array();
  std::string curves_note;
  const std::string sweep_dir =
      !o.curves_dir.empty() ? o.curves_dir : std::filesystem::path(o.input).parent_path().string();
  const std::vector<Curve> curves = read_curves(in, sweep_dir.empty() ? "." : sweep_dir, curves_note);
  EnvelopeResult envelope;
  if (!curves.empty()) {
    envelope = lower_envelope(curves);
    const Interval a_ci = o.bootstrap.samples
                              ? pct.of(bootstrap_envelope(curves, o.bootstrap.samples, o.bootstrap.seed, threads))
                              : Interval{kNaN, kNaN};
    const double a = envelope.n_opt.exponent;
    approaches.push_back(approach_row(
        "1: lower envelope of the training curves", a, a_ci, 1 - a, one_minus(a_ci), envelope.points.size(),
        allocation_verdict(envelope.distinct_sizes, "model size(s) on the envelope", a, a_ci),
        "C = 6 N tokens along each run's dev-loss curve"));
  } else {
    approaches.push_back({{"approach", "1: lower envelope of the training curves"}, {"skipped", curves_note}});
  }
  IsoflopResult iso;
  if (!in.flops_budget.empty()) {
    iso = isoflop_parabolas(in.flops_budget, in.data.n, in.data.loss);
    const Interval a_ci = o.bootstrap.samples
                              ? pct.of(bootstrap_isoflop(in.flops_budget, in.data.n, in.data.loss, o.bootstrap.samples,
                                                         o.bootstrap.seed, threads))
                              : Interval{kNaN, kNaN};
    const double a = iso.n_opt.exponent;
    approaches.push_back(
        approach_row("2: IsoFLOP profiles", a, a_ci, 1 - a, one_minus(a_ci), iso.used,
                     allocation_verdict(iso.used, "budget(s) whose sizes bracket the minimum", a, a_ci),
                     std::to_string(iso.budgets.size()) + " budgets"));
    json profiles = json::array();  // per budget: where its parabola puts N_opt, and whether that is usable
    for (const auto& f : iso.budgets)
      profiles.push_back({{"flops", f.flops},
                          {"sizes", f.distinct_sizes},
                          {"n_opt", f.has_minimum ? num(f.n_opt) : json(nullptr)},
                          {"loss_opt", f.has_minimum ? num(f.loss_opt) : json(nullptr)},
                          {"bracketed", f.bracketed}});
    approaches.back()["profiles"] = profiles;
  } else {
    approaches.push_back({{"approach", "2: IsoFLOP profiles"}, {"skipped", in.budget_note}});
  }
  approaches.push_back(
      approach_row("3: parametric, E + A/N^alpha + B/D^beta", alloc.n_exponent,
                   over_boot([](const ScalingLaw& l) { return allocation(l).n_exponent; }), alloc.d_exponent,
                   over_boot([](const ScalingLaw& l) { return allocation(l).d_exponent; }), data.size(), id, ""));
  if (have_kaplan) {
    std::vector<double> an, bn, alN, alD;
    for (const auto& l : kap_boot) an.push_back(l.n_exponent()), bn.push_back(l.d_exponent());
    for (const auto& l : kap_boot) alN.push_back(l.alpha_N), alD.push_back(l.alpha_D);
    Identifiability kid;
    check_design(kid, checks.distinct_n, checks.distinct_d);  // as Chinchilla's form: one N or D fits anything
    check_exponent(kid, "alpha_N", kap.law.alpha_N, pct.of(alN));
    check_exponent(kid, "alpha_D", kap.law.alpha_D, pct.of(alD));
    approaches.push_back(approach_row("3: parametric, Kaplan et al.'s form", kap.law.n_exponent(), pct.of(an),
                                      kap.law.d_exponent(), pct.of(bn), data.size(), kid, ""));
  }
  j["approaches"] = approaches;

  // ---- what the law implies ----
  std::vector<BudgetPrediction> predictions;
  json preds = json::array();
  for (double c : o.budgets) {
    const BudgetPrediction p = predict_budget(law, c);
    predictions.push_back(p);
    json pj{{"flops", c}, {"N_opt", num(p.n_opt)}, {"D_opt", num(p.d_opt)}, {"loss", num(p.loss)}};
    if (!chin.boot.empty())
      pj["intervals"] = {
          {"N_opt", interval_json(over_boot([c](const ScalingLaw& l) { return predict_budget(l, c).n_opt; }))},
          {"D_opt", interval_json(over_boot([c](const ScalingLaw& l) { return predict_budget(l, c).d_opt; }))},
          {"loss", interval_json(over_boot([c](const ScalingLaw& l) { return predict_budget(l, c).loss; }))}};
    preds.push_back(pj);
  }
  j["predictions"] = preds;
  std::vector<IsoflopProfile> profiles;
  json iso_law = json::array();
  if (std::isfinite(alloc.G)) {
    for (double c : isoflop_budgets(data, o.isoflop_count)) {
      const double center = alloc.n_opt(c);
      profiles.push_back(isoflop_profile(law, c, center / 100, center * 100));
      const auto& p = profiles.back();
      iso_law.push_back({{"flops", c}, {"N_min", p.n_min}, {"D_min", p.d_min}, {"loss_min", p.loss_min}});
    }
  }
  j["isoflop"] = iso_law;
  j["single_variable"] = {{"loss_vs_params", single_variable(data, true, o.fit, "params", "tokens")},
                          {"loss_vs_tokens", single_variable(data, false, o.fit, "tokens", "params")}};

  std::vector<double> residuals, abs_res;
  for (size_t i = 0; i < data.size(); ++i) {
    residuals.push_back(std::log(data.loss[i]) - law.log_loss(data.n[i], data.d[i]));
    abs_res.push_back(std::abs(residuals.back()));
  }
  j["residuals_log"] = {{"median_abs", num(percentile_interval(abs_res, 0.5, 0.5).lo)},
                        {"max_abs", num(*std::max_element(abs_res.begin(), abs_res.end()))}};

  if (!in.held_out.empty()) {
    j["holdout"] =
        predict_held_out(in, law, chin.boot, residuals, pct, o.bootstrap.seed, have_kaplan ? &kap.law : nullptr);
    j["holdout"]["expression"] = o.holdout;
  }

  // ---- the other parameter count ----
  std::string other = o.compare_params;
  if (other == "auto")
    other = in.n_column == "non_embedding_params" ? "params" : in.n_column == "params" ? "non_embedding_params" : "";
  if (other != "none" && !other.empty() && in.table.has_column(other)) {
    InputColumns cols{other, in.d_column, in.loss_column};
    const FitInput alt_in = read_fit_input(o.input, cols, o.holdout);
    const Data alt = exclude_highest_loss(alt_in.data, o.exclude_top_k);
    FitCommandOptions ao = o;
    ao.method = o.method == FitMethod::kBoth ? FitMethod::kVarPro : o.method;
    const LawFit alt_fit = fit_chinchilla(alt, ao, /*with_bootstrap=*/false);
    auto summary = [](const LawFit& f, const FitInput& fi, const std::string& col) {
      json s{{"column", col},
             {"alpha", num(f.law.alpha)},
             {"beta", num(f.law.beta)},
             {"objective", f.objective},
             {"n_exponent", num(allocation(f.law).n_exponent)}};
      if (!fi.held_out.empty()) {
        double sum = 0;
        for (size_t k = 0; k < fi.held.size(); ++k)
          sum += std::abs(std::exp(f.law.log_loss(fi.held.n[k], fi.held.d[k])) / fi.held.loss[k] - 1);
        s["holdout_mean_abs_relative_error"] = sum / static_cast<double>(fi.held.size());
      }
      return s;
    };
    const json mine = summary(chin, in, in.n_column), theirs = summary(alt_fit, alt_in, other);
    const bool by_holdout = !in.held_out.empty();
    const char* key = by_holdout ? "holdout_mean_abs_relative_error" : "objective";
    const bool mine_better = mine[key].get<double>() <= theirs[key].get<double>();
    j["which_n"] = {{"fits", {mine, theirs}},
                    {"better", mine_better ? in.n_column : other},
                    {"by", by_holdout ? "held-out prediction error"
                                      : "in-sample objective (give --holdout to compare predictions)"}};
  }
  j["fit_seconds"] = fit_seconds;

  // All or nothing: the figures and fit.json are written into a temporary folder, and moved into
  // --output only when all of them were written.
  StagedDir staged(o.output, "fit");
  json plots = json::array();
  if (o.plots) {
    FitFigureInput fig;
    fig.data = data;
    fig.excluded = excluded_data;
    fig.held = in.held;
    fig.law = law;
    fig.boot = chin.boot;
    fig.level = o.level;
    fig.profiles = profiles;
    fig.budgets = predictions;
    fig.curves = curves;
    fig.envelope = envelope;
    fig.iso = iso;
    fig.iso_points = in.data;
    if (have_kaplan) fig.kaplan = kap.law;
    fig.n_name = in.n_column;
    fig.d_name = in.d_column;
    fig.loss_name = in.loss_column;
    for (const auto& stem : write_fit_figures(staged.path(), fig)) plots.push_back(stem);
  }
  j["plots"] = plots;
  const std::string json_path = (std::filesystem::path(o.output) / "fit.json").string();
  write_text_atomically((std::filesystem::path(staged.path()) / "fit.json").string(), j.dump(2) + "\n");
  staged.commit({o.input});
  print_fit_summary(j, out);
  out << "  wrote " << json_path;
  if (!plots.empty()) out << " and " << plots.size() << " figures (.png, .svg; .dat/.gp to restyle)";
  out << "\n";
  return j;
}

}  // namespace sst::analysis::fit
