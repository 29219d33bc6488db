// fit.json as a type: what `sst-analyze fit` found, one part per approach, each with its verdict and reasons.
// run_fit (fit_run.cpp) fills a FitReport; the printed summary (fit_summary.cpp), the report
// (analysis/report) and the figures read it. One field visitor per record (fit_report.cpp) names each key
// once and drives both to_json and fit_report_from_json, as rundir/summary.h does for summary.json.
//
// Conventions of the file: a double that is not determined (NaN) is null; an Interval is [lo, hi] (null
// ends without a bootstrap); a std::optional that is empty leaves its key out. A key absent from an older
// file reads as its default. A result whose verdict is "not identified" is null (fit_steps.h).
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/fit/identifiability.h"
#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

inline constexpr double kUndetermined = std::numeric_limits<double>::quiet_NaN();

struct FitColumns {
  std::string params, tokens, loss;
};
struct RunCounts {
  size_t rows = 0, finished = 0, fitted = 0, held_out = 0;
  std::map<std::string, size_t> left_out_unfinished;  // status -> count
};
struct ExcludedRun {  // --exclude-top-k
  size_t line = 0;
  double params = 0, tokens = 0, loss = 0;
};
struct BootstrapSettings {
  size_t samples = 0;
  uint64_t seed = 0;
  size_t failed_fits = 0;
  double level = 0.9;
  std::vector<double> percentiles;  // {lo, hi} in percent
};

// ---- approach 3: how the parametric law was found ----
struct StartGridReport {
  std::vector<double> a, b, e, alpha, beta;
  size_t starts = 0, converged_starts = 0;
  std::vector<double> best_start_initial;
};
struct LbfgsCheck {  // --method both
  double objective = 0;
  size_t starts = 0;
  double seconds = 0, relative_difference = 0, alpha = 0, beta = 0;
};
struct SearchBounds {
  std::vector<double> alpha, beta;
  std::string coefficients = ">= 0";  // key "E, A, B"
};
struct MethodReport {
  std::string name;
  double seconds = 0;
  std::optional<StartGridReport> grid;             // L-BFGS
  std::optional<size_t> bootstrap_starts_per_fit;  // L-BFGS with a bootstrap
  std::optional<size_t> profile_evaluations;       // variable projection
  std::optional<SearchBounds> bounds;              // variable projection
  std::optional<LbfgsCheck> lbfgs_check;           // --method both
};
struct AllocationReport {
  double G = kUndetermined, n_exponent = kUndetermined, d_exponent = kUndetermined;
  std::string formula = "N_opt = G (C/6)^n_exponent, D_opt = (C/6)^d_exponent / G, C = 6 N D";
};
struct LawIntervals {  // empty without a bootstrap
  std::optional<Interval> E, A, B, alpha, beta, G, n_exponent, d_exponent;
};
// Chinchilla's form, written at the top level of fit.json.
struct ParametricReport {
  std::string model = "L(N, D) = E + A / N^alpha + B / D^beta";
  MethodReport method;
  double E = kUndetermined, A = kUndetermined, B = kUndetermined, alpha = kUndetermined, beta = kUndetermined;
  double objective = kUndetermined;
  Identifiability identifiability;
  AllocationReport allocation;
  LawIntervals intervals;
  BootstrapSettings bootstrap;
};

// ---- Kaplan et al.'s form ----
struct KaplanIntervals {
  std::optional<Interval> alpha_N, alpha_D;
};
struct KaplanReport {
  std::string model = "L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D";
  double N_c = kUndetermined, D_c = kUndetermined, alpha_N = kUndetermined, alpha_D = kUndetermined;
  double objective = kUndetermined;
  size_t starts = 0;
  KaplanIntervals intervals;
  std::optional<Identifiability> identifiability;  // absent from files written before it was kept
};

// ---- one row of the allocation-exponent table (approaches 1, 2, 3 and Kaplan's form) ----
struct IsoflopProfileReport {  // approach 2, per budget
  double flops = 0;
  size_t sizes = 0;
  double n_opt = kUndetermined, loss_opt = kUndetermined;  // null unless the sizes bracket the minimum
  bool bracketed = false;
};
struct ApproachReport {
  std::string approach;
  std::optional<std::string> skipped;  // why the approach could not run; nothing else is written then
  double a = kUndetermined, b = kUndetermined;
  Interval a_interval{kUndetermined, kUndetermined}, b_interval{kUndetermined, kUndetermined};
  size_t points = 0;
  Identifiability identifiability;  // keys "verdict" and "reasons"
  std::optional<std::string> note;
  std::optional<std::vector<IsoflopProfileReport>> profiles;  // approach 2
};

// ---- what the law implies ----
struct PredictionIntervals {
  Interval N_opt, D_opt, loss;
};
struct PredictionReport {  // --budget
  double flops = 0, N_opt = kUndetermined, D_opt = kUndetermined, loss = kUndetermined;
  std::optional<PredictionIntervals> intervals;
};
struct LawIsoflopReport {  // the IsoFLOP profiles of the parametric law
  double flops = 0, N_min = 0, D_min = 0, loss_min = 0;
};
struct SingleVariableReport {  // L(N) at the largest D, or L(D) at the largest N
  std::string variable, fixed;
  double fixed_value = 0;
  size_t n_points = 0;
  std::optional<std::string> skipped;
  // E, A and alpha are null when the law is not identified; the objective measures the fit either way.
  double E = kUndetermined, A = kUndetermined, alpha = kUndetermined, objective = kUndetermined;
  std::optional<Interval> alpha_interval;          // bootstrap, when --bootstrap > 0
  std::optional<Identifiability> identifiability;  // absent from files written before it was kept
};
struct SingleVariableFits {
  SingleVariableReport loss_vs_params, loss_vs_tokens;
};
struct ResidualsReport {
  double median_abs = kUndetermined, max_abs = kUndetermined;
};

// ---- held-out runs and the other parameter count ----
struct HeldOutRun {
  size_t line = 0;
  std::optional<std::string> run;
  double params = 0, tokens = 0, observed = 0;
  double predicted = kUndetermined, relative_error = kUndetermined;  // null when the law is not identified
  Interval interval{kUndetermined, kUndetermined};
  std::optional<bool> inside;
  std::optional<double> kaplan_predicted;  // null when Kaplan et al.'s form is not identified
};
struct HoldoutReport {
  std::string expression;
  std::vector<HeldOutRun> runs;
  double mean_abs_relative_error = 0, max_abs_relative_error = 0;  // null when the law is not identified
  std::optional<double> coverage;
  std::optional<std::string> kaplan_not_predicted;  // why kaplan_predicted is null ("not identified: ...")
  // Why predicted, relative_error, interval and the errors above are null: the law is "not identified: ...".
  std::optional<std::string> not_predicted;
};
struct WhichNFit {  // alpha, beta and n_exponent are null when the law is not identified
  std::string column;
  double alpha = kUndetermined, beta = kUndetermined, objective = kUndetermined, n_exponent = kUndetermined;
  std::optional<double> holdout_mean_abs_relative_error;
  std::optional<Identifiability> identifiability;  // absent from files written before it was kept
};
struct WhichNReport {
  std::vector<WhichNFit> fits;
  std::string better, by;
};

struct FitReport {
  std::string input;
  FitColumns columns;
  std::string tokens_meaning;
  RunCounts runs;
  size_t n_points = 0, n_input_points = 0;
  double delta = 0;
  std::vector<ExcludedRun> excluded;
  ParametricReport parametric;  // its keys are at the top level
  std::optional<KaplanReport> kaplan;
  std::vector<ApproachReport> approaches;
  std::vector<PredictionReport> predictions;
  std::vector<LawIsoflopReport> isoflop;
  SingleVariableFits single_variable;
  ResidualsReport residuals_log;
  std::optional<HoldoutReport> holdout;
  std::optional<WhichNReport> which_n;
  double fit_seconds = 0;
  std::vector<std::string> plots;  // figure stems written next to fit.json
};

nlohmann::json to_json(const FitReport& r);
// Throws UserError naming `source` and the key when a field has an unexpected value.
FitReport fit_report_from_json(const nlohmann::json& j, const std::string& source);
// fit.json's top-level keys, in the visitor's order.
std::vector<std::string> fit_report_keys();

}  // namespace sst::analysis::fit
