// The steps of run_fit (fit_run.cpp), each returning its typed part of the FitReport (fit_report.h) and
// what the later steps and the figures need of it. A part whose verdict is "not identified" reports no
// number as a result (null, next to the verdict and its reasons); the figures draw no law for it.
//   fit_parametric.cpp  approach 3 (Chinchilla's form, Kaplan's form) and the other parameter count
//   fit_allocation.cpp  approaches 1 and 2, and what the law implies (predictions, IsoFLOP profiles,
//                       single-variable laws, residuals, held-out runs)
#pragma once
#include <cmath>
#include <optional>
#include <vector>

#include "analysis/fit/approaches.h"
#include "analysis/fit/fit_command.h"
#include "analysis/fit/fit_report.h"
#include "analysis/fit/identifiability.h"
#include "analysis/fit/kaplan.h"

namespace sst::analysis::fit {

struct Percentiles {  // of the bootstrap intervals
  double lo, hi;
  Interval of(const std::vector<double>& v) const { return percentile_interval(v, lo, hi); }
};

// What every step reads: the options, the runs, the fitted points.
struct FitContext {
  const FitCommandOptions& o;
  FitInput in;
  Data data;                     // in.data less --exclude-top-k
  std::vector<size_t> excluded;  // indices into in.data
  Percentiles pct;
};

// The runs of o.input less --exclude-top-k, and the percentiles of o.level (fit_run.cpp).
FitContext read_context(const FitCommandOptions& o);

// ---- approach 3 (fit_parametric.cpp) ----
struct LawFit {  // Chinchilla's form by the chosen method, with its bootstrap resamples
  ScalingLaw law;
  double objective = 0;
  LawChecks checks;
  std::vector<ScalingLaw> boot;  // NaN laws: resamples without a fit
  MethodReport method;
};
LawFit fit_chinchilla(const Data& data, const FitCommandOptions& o, bool with_bootstrap);
// The verdict on a fitted law: its checks and its bootstrap's exponent intervals (identify_law).
Identifiability judge_law(const LawFit& f, const Percentiles& pct);
struct ParametricPart {
  ParametricReport report;
  LawFit fit;
  bool identified() const { return report.identifiability.verdict != Verdict::kNotIdentified; }
  template <class Quantity>  // double(const ScalingLaw&), over the bootstrap's laws
  Interval quantile(Quantity&& q, const Percentiles& pct) const {
    std::vector<double> v;
    for (const auto& l : fit.boot) v.push_back(std::isfinite(l.E) ? q(l) : kUndetermined);
    return pct.of(v);
  }
};
ParametricPart fit_parametric(const FitContext& c);
ApproachReport parametric_approach(const FitContext& c, const ParametricPart& p);

struct KaplanPart {
  KaplanReport report;
  KaplanLaw law;
  std::vector<KaplanLaw> boot;
};
// None with --no-kaplan or < 4 points. Its verdict takes the design's part from `checks` (Chinchilla's form's).
std::optional<KaplanPart> fit_kaplan_form(const FitContext& c, const LawChecks& checks);
ApproachReport kaplan_approach(const FitContext& c, const KaplanPart& k);

// A row whose verdict is "not identified" keeps its verdict and reasons; its exponents become null.
void withhold_if_rejected(ApproachReport& row);

// The law with the other parameter count (total vs non-embedding); none when there is no such column.
std::optional<WhichNReport> compare_parameter_counts(const FitContext& c, const ParametricPart& p);

// ---- approaches 1 and 2 (fit_allocation.cpp) ----
struct EnvelopePart {
  ApproachReport report;
  std::vector<Curve> curves;  // empty: the approach was skipped
  EnvelopeResult envelope;
};
EnvelopePart envelope_approach(const FitContext& c);
struct IsoflopPart {
  ApproachReport report;
  IsoflopResult iso;  // no budgets: the approach was skipped
};
IsoflopPart isoflop_approach(const FitContext& c);

// ---- what the law implies (fit_allocation.cpp) ----
std::vector<PredictionReport> predict_budgets(const FitContext& c, const ParametricPart& p,
                                              std::vector<BudgetPrediction>& predictions);
// None when the law is not identified.
std::vector<LawIsoflopReport> law_isoflops(const FitContext& c, const ParametricPart& p,
                                           std::vector<IsoflopProfile>& profiles);
SingleVariableFits single_variable_fits(const FitContext& c);
// log L - log L_fit of every fitted point.
std::vector<double> log_residuals(const Data& data, const ScalingLaw& law);
ResidualsReport summarize_residuals(const std::vector<double>& residuals);
// The held-out runs predicted by the law (and by Kaplan et al.'s form where it is identified; else null, why).
HoldoutReport predict_held_out(const FitContext& c, const ParametricPart& p, const std::vector<double>& residuals,
                               const KaplanPart* kaplan);

}  // namespace sst::analysis::fit
