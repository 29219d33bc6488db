// `sst-analyze fit`: reads runs from a CSV (sweep.csv or any file with N, D and loss columns: fit_input.h)
// and fits, from the same runs, every approach of Hoffmann et al. (2022):
//   1. the lower envelope of the training curves (approaches.h; needs the runs' metrics.jsonl),
//   2. IsoFLOP parabolas (approaches.h; needs a [budget] flops sweep),
//   3. the parametric L(N, D) = E + A/N^alpha + B/D^beta, by variable projection (varpro.h) or by the
//      multi-start L-BFGS of the paper (scaling_fit.h), plus Kaplan et al.'s form (kaplan.h);
// with bootstrap intervals, one table of the allocation exponents a, b of every approach, an identifiability
// verdict (identifiability.h), held-out predictions (--holdout, holdout.h), the law with the other
// parameter count (total vs non-embedding), OUTPUT/fit.json (atomically), the figures (fit_figures.h) and a
// printed summary. No NaN is ever printed as a result: what is not determined reads "n/a".
#pragma once
#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/fit/fit_input.h"
#include "analysis/fit/fit_report.h"
#include "analysis/fit/scaling_fit.h"
#include "analysis/fit/varpro.h"
#include "common/enum_names.h"

namespace sst::analysis::fit {

constexpr int kMaxIsoflopCount = 1000;  // --isoflop-budgets: each is a curve of the figure and a row of fit.json

enum class FitMethod { kVarPro, kLbfgs, kBoth };  // kBoth: variable projection, checked against L-BFGS
}  // namespace sst::analysis::fit

namespace sst {
template <>
struct EnumNames<analysis::fit::FitMethod> {
  using M = analysis::fit::FitMethod;
  static constexpr std::array<std::pair<M, const char*>, 3> kNames{
      {{M::kVarPro, "varpro"}, {M::kLbfgs, "lbfgs"}, {M::kBoth, "both"}}};
};
}  // namespace sst

namespace sst::analysis::fit {

struct FitCommandOptions {
  std::string input;
  InputColumns columns;  // empty: chosen from the CSV (fit_input.h)
  std::string output = "fit_out";
  FitMethod method = FitMethod::kVarPro;
  FitOptions fit;        // delta, the L-BFGS grid and solver (threads for everything)
  VarProOptions varpro;  // its delta is fit.delta
  size_t exclude_top_k = 0;
  BootstrapOptions bootstrap{100};
  double level = 0.9;                   // of the bootstrap intervals
  std::vector<double> budgets;          // FLOPs for which N_opt, D_opt and the loss are predicted
  int isoflop_count = 5;                // IsoFLOP profiles of the law over the data's 6ND range (<= 1000)
  std::string holdout;                  // --holdout EXPR
  std::string curves_dir;               // where runs/RUN/metrics.jsonl are; empty: the CSV's folder
  std::string compare_params = "auto";  // the other N column to fit with; auto: params <-> non_embedding_params
  bool kaplan = true;
  bool plots = true;
  bool require_identified = false;  // exit 3 when the parametric law is not identified
};

// Runs the whole command; returns what was written to OUTPUT/fit.json. Throws sst::UserError on bad input
// (the message names the file and line for CSV problems).
FitReport run_fit(const FitCommandOptions& options, std::ostream& out);

// The human summary of a fit (what `fit` prints; the report reuses its pieces).
void print_fit_summary(const FitReport& fit, std::ostream& out);
// "1.23", "4.56e+07", or "n/a" for a value that is not finite: 3-4 significant digits.
std::string format_value(double v, int digits = 4);
std::string format_interval(const Interval& interval, int digits = 3);  // "[lo, hi]" or "n/a"

// Command-line entry: `sst-analyze fit [options]` (argv[0] is the subcommand name). Exit status: 0 success,
// 1 bad input or environment, 2 usage error, 3 with --require-identified when the law is not identified.
int fit_main(int argc, char** argv);

// One-line description for `sst-analyze --help`.
extern const char* const kFitSummary;

}  // namespace sst::analysis::fit
