// Approach 3 of `sst-analyze fit` (fit_steps.h): Chinchilla's form by variable projection or multi-start
// L-BFGS with its bootstrap and verdict, Kaplan et al.'s form, and the law with the other parameter count.
#include <chrono>
#include <cmath>
#include <set>

#include "analysis/fit/fit_steps.h"
#include "analysis/fit/solver.h"
#include "common/clock.h"
#include "common/error.h"

namespace sst::analysis::fit {
namespace {

using Clock = SteadyClock;

size_t distinct(const std::vector<double>& v) { return std::set<double>(v.begin(), v.end()).size(); }

LawFit fit_by_lbfgs(const Data& data, const FitCommandOptions& o, bool with_bootstrap, LawFit r) {
  const auto t0 = Clock::now();
  const FitResult f = fit(data, o.fit);
  r.law = f.law;
  r.objective = f.objective;
  StartGridReport grid;
  const StartGrid& g = o.fit.grid;
  grid.a = g.a, grid.b = g.b, grid.e = g.e, grid.alpha = g.alpha, grid.beta = g.beta;
  grid.starts = f.starts.size();
  for (const auto& s : f.starts) grid.converged_starts += s.converged;
  const Theta& initial = f.starts[f.best_start].initial;
  grid.best_start_initial.assign(initial.begin(), initial.end());
  r.method.name = "multi-start L-BFGS (Hoffmann et al. 2022, appendix D.2)";
  r.method.seconds = seconds_since(t0);
  r.method.grid = grid;
  if (with_bootstrap && o.bootstrap.samples) {
    const BootstrapResult b = bootstrap(data, f, o.fit, o.bootstrap);
    r.boot = b.laws;
    r.method.bootstrap_starts_per_fit = b.starts_per_fit;
  }
  return r;
}

}  // namespace

LawFit fit_chinchilla(const Data& data, const FitCommandOptions& o, bool with_bootstrap) {
  LawFit r;
  r.checks.distinct_n = distinct(data.n);
  r.checks.distinct_d = distinct(data.d);
  if (o.method == FitMethod::kLbfgs) return fit_by_lbfgs(data, o, with_bootstrap, r);
  VarProOptions vo = o.varpro;
  vo.delta = o.fit.delta;
  const auto t0 = Clock::now();
  const VarProResult v = fit_varpro(data, vo);
  r.law = v.law;
  r.objective = v.objective;
  r.checks.alpha_on_bound = v.alpha_on_bound;
  r.checks.beta_on_bound = v.beta_on_bound;
  r.checks.E_zero = v.E_zero;
  r.checks.A_zero = v.A_zero;
  r.checks.B_zero = v.B_zero;
  r.method.name = "variable projection (exponents searched, E, A, B >= 0 by Huber-weighted NNLS)";
  r.method.seconds = seconds_since(t0);
  r.method.profile_evaluations = v.profile_evaluations;
  r.method.bounds = SearchBounds{{0, vo.exponent_max}, {0, vo.exponent_max}};
  if (o.method == FitMethod::kBoth) {
    const auto t1 = Clock::now();
    const FitResult f = fit(data, o.fit);
    r.method.lbfgs_check =
        LbfgsCheck{f.objective, f.starts.size(), seconds_since(t1), (v.objective - f.objective) / f.objective,
                   f.law.alpha, f.law.beta};
  }
  if (with_bootstrap && o.bootstrap.samples) {
    const auto picks = resample_indices(data.size(), o.bootstrap.samples, o.bootstrap.seed);
    r.boot.assign(picks.size(), ScalingLaw{kUndetermined, kUndetermined, kUndetermined, kUndetermined, kUndetermined});
    parallel_for(picks.size(), o.fit.solver.threads, [&](size_t s) {
      try {
        r.boot[s] = fit_varpro(subset(data, picks[s]), vo).law;
      } catch (const UserError&) {  // a degenerate resample stays NaN, left out of the percentiles
      }
    });
  }
  return r;
}

Identifiability judge_law(const LawFit& f, const Percentiles& pct) {
  std::vector<double> alpha, beta;
  size_t failed = 0;
  for (const auto& l : f.boot) {
    const bool ok = std::isfinite(l.E);
    failed += !ok;
    alpha.push_back(ok ? l.alpha : kUndetermined);
    beta.push_back(ok ? l.beta : kUndetermined);
  }
  LawChecks checks = f.checks;
  checks.bootstrapped = !f.boot.empty();
  checks.failed_fraction = f.boot.empty() ? 0 : static_cast<double>(failed) / static_cast<double>(f.boot.size());
  return identify_law(f.law, pct.of(alpha), pct.of(beta), checks);
}

ParametricPart fit_parametric(const FitContext& c) {
  ParametricPart p;
  p.fit = fit_chinchilla(c.data, c.o, /*with_bootstrap=*/true);
  const LawFit& f = p.fit;
  const ScalingLaw& law = f.law;
  ParametricReport& r = p.report;
  r.method = f.method;
  r.E = law.E, r.A = law.A, r.B = law.B, r.alpha = law.alpha, r.beta = law.beta;
  r.objective = f.objective;
  size_t failed = 0;
  for (const auto& l : f.boot) failed += !std::isfinite(l.E);
  const Interval alpha_ci = p.quantile([](const ScalingLaw& l) { return l.alpha; }, c.pct);
  const Interval beta_ci = p.quantile([](const ScalingLaw& l) { return l.beta; }, c.pct);
  r.identifiability = judge_law(f, c.pct);
  const Allocation alloc = allocation(law);
  r.allocation.G = alloc.G;
  r.allocation.n_exponent = alloc.n_exponent;
  r.allocation.d_exponent = alloc.d_exponent;
  if (!f.boot.empty()) {
    LawIntervals& iv = r.intervals;
    iv.E = p.quantile([](const ScalingLaw& l) { return l.E; }, c.pct);
    iv.A = p.quantile([](const ScalingLaw& l) { return l.A; }, c.pct);
    iv.B = p.quantile([](const ScalingLaw& l) { return l.B; }, c.pct);
    iv.alpha = alpha_ci;
    iv.beta = beta_ci;
    iv.G = p.quantile([](const ScalingLaw& l) { return allocation(l).G; }, c.pct);
    iv.n_exponent = p.quantile([](const ScalingLaw& l) { return allocation(l).n_exponent; }, c.pct);
    iv.d_exponent = p.quantile([](const ScalingLaw& l) { return allocation(l).d_exponent; }, c.pct);
  }
  r.bootstrap = {c.o.bootstrap.samples, c.o.bootstrap.seed, failed, c.o.level, {100 * c.pct.lo, 100 * c.pct.hi}};
  if (!p.identified()) {  // a rejected law is not a result: null, with the verdict's reasons next to it
    r.E = r.A = r.B = r.alpha = r.beta = kUndetermined;
    r.allocation.G = r.allocation.n_exponent = r.allocation.d_exponent = kUndetermined;
    r.intervals = LawIntervals{};
  }
  return p;
}

ApproachReport parametric_approach(const FitContext& c, const ParametricPart& p) {
  ApproachReport a;
  a.approach = "3: parametric, E + A/N^alpha + B/D^beta";
  a.a = p.report.allocation.n_exponent;
  a.b = p.report.allocation.d_exponent;
  a.a_interval = p.quantile([](const ScalingLaw& l) { return allocation(l).n_exponent; }, c.pct);
  a.b_interval = p.quantile([](const ScalingLaw& l) { return allocation(l).d_exponent; }, c.pct);
  a.points = c.data.size();
  a.identifiability = p.report.identifiability;
  a.identifiability.warnings.clear();  // the table's rows carry the verdict and its reasons
  withhold_if_rejected(a);
  return a;
}

std::optional<KaplanPart> fit_kaplan_form(const FitContext& c, const LawChecks& checks) {
  const FitCommandOptions& o = c.o;
  if (!o.kaplan || c.data.size() < 4) return std::nullopt;
  KaplanPart k;
  const KaplanFit kap = fit_kaplan(c.data, o.fit.delta, o.fit.solver);
  k.law = kap.law;
  if (o.bootstrap.samples) {
    const auto starts = kaplan_reduced_starts(kap, 16);
    const auto picks = resample_indices(c.data.size(), o.bootstrap.samples, o.bootstrap.seed);
    k.boot.assign(picks.size(), KaplanLaw{kUndetermined, kUndetermined, kUndetermined, kUndetermined});
    SolverOptions inner = o.fit.solver;
    inner.threads = 1;
    parallel_for(picks.size(), o.fit.solver.threads, [&](size_t s) {
      try {
        k.boot[s] = fit_kaplan(subset(c.data, picks[s]), o.fit.delta, inner, starts).law;
      } catch (const UserError&) {
      }
    });
  }
  KaplanReport& r = k.report;
  r.objective = kap.objective;
  r.starts = kap.starts.size();
  std::vector<double> an, ad;
  for (const auto& l : k.boot) an.push_back(l.alpha_N), ad.push_back(l.alpha_D);
  Identifiability id;
  check_design(id, checks.distinct_n, checks.distinct_d);  // as Chinchilla's form: one N or D fits anything
  check_exponent(id, "alpha_N", kap.law.alpha_N, c.pct.of(an));
  check_exponent(id, "alpha_D", kap.law.alpha_D, c.pct.of(ad));
  r.identifiability = id;
  if (id.verdict == Verdict::kNotIdentified) return k;  // nothing to report as a result
  r.N_c = kap.law.Nc, r.D_c = kap.law.Dc, r.alpha_N = kap.law.alpha_N, r.alpha_D = kap.law.alpha_D;
  if (!k.boot.empty()) {
    r.intervals.alpha_N = c.pct.of(an);
    r.intervals.alpha_D = c.pct.of(ad);
  }
  return k;
}

ApproachReport kaplan_approach(const FitContext& c, const KaplanPart& k) {
  std::vector<double> an, bn;
  for (const auto& l : k.boot) an.push_back(l.n_exponent()), bn.push_back(l.d_exponent());
  ApproachReport a;
  a.approach = "3: parametric, Kaplan et al.'s form";
  a.identifiability = *k.report.identifiability;
  a.a = k.law.n_exponent();
  a.b = k.law.d_exponent();
  a.a_interval = c.pct.of(an);
  a.b_interval = c.pct.of(bn);
  a.points = c.data.size();
  withhold_if_rejected(a);
  return a;
}

namespace {

// The law's exponents and held-out error only where it is identified (a rejected law predicts no held-out
// run); its in-sample objective measures the fit either way.
WhichNFit which_n_fit(const LawFit& f, const Identifiability& id, const FitInput& in, const std::string& column) {
  WhichNFit s;
  s.column = column;
  s.objective = f.objective;
  s.identifiability = id;
  if (id.verdict == Verdict::kNotIdentified) return s;
  s.alpha = f.law.alpha;
  s.beta = f.law.beta;
  s.n_exponent = allocation(f.law).n_exponent;
  if (!in.held_out.empty()) {
    double sum = 0;
    for (size_t k = 0; k < in.held.size(); ++k)
      sum += std::abs(std::exp(f.law.log_loss(in.held.n[k], in.held.d[k])) / in.held.loss[k] - 1);
    s.holdout_mean_abs_relative_error = sum / static_cast<double>(in.held.size());
  }
  return s;
}

}  // namespace

std::optional<WhichNReport> compare_parameter_counts(const FitContext& c, const ParametricPart& p) {
  const FitCommandOptions& o = c.o;
  const FitInput& in = c.in;
  std::string other = o.compare_params;
  if (other == "auto")
    other = in.n_column == "non_embedding_params" ? "params" : in.n_column == "params" ? "non_embedding_params" : "";
  if (other == "none" || other.empty() || !in.table.has_column(other)) return std::nullopt;
  const FitInput alt_in = read_fit_input(o.input, InputColumns{other, in.d_column, in.loss_column}, o.holdout);
  const Data alt = exclude_highest_loss(alt_in.data, o.exclude_top_k);
  FitCommandOptions ao = o;
  ao.method = o.method == FitMethod::kBoth ? FitMethod::kVarPro : o.method;
  const LawFit alt_fit = fit_chinchilla(alt, ao, /*with_bootstrap=*/true);  // its verdict, as the main law's
  WhichNReport w;
  w.fits = {which_n_fit(p.fit, p.report.identifiability, in, in.n_column),
            which_n_fit(alt_fit, judge_law(alt_fit, c.pct), alt_in, other)};
  // By held-out error only when both laws predict the held-out runs.
  const bool by_holdout = w.fits[0].holdout_mean_abs_relative_error && w.fits[1].holdout_mean_abs_relative_error;
  auto score = [&](const WhichNFit& f) { return by_holdout ? *f.holdout_mean_abs_relative_error : f.objective; };
  const bool mine_better = score(w.fits[0]) <= score(w.fits[1]);
  w.better = mine_better ? in.n_column : other;
  w.by = by_holdout            ? "held-out prediction error"
         : in.held_out.empty() ? "in-sample objective (give --holdout to compare predictions)"
                               : "in-sample objective (a law not identified predicts no held-out run)";
  return w;
}

}  // namespace sst::analysis::fit
