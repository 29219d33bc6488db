// `sst-analyze fit`: the command line (see fit_command.h). The work is run_fit (fit_run.cpp).
#include "analysis/fit/fit_command.h"

#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "analysis/cli/options.h"
#include "analysis/fit/csv.h"
#include "analysis/fit/identifiability.h"
#include "common/error.h"
#include "common/options.h"

namespace po = boost::program_options;

namespace sst::analysis::fit {

// Boost finds the FitMethod parser by argument-dependent lookup, in this namespace;
// clang-tidy does not follow that lookup and calls it unused.
using sst::validate;  // NOLINT(misc-unused-using-decls)

const char* const kFitSummary =
    "fit scaling laws to a sweep: Chinchilla approaches 1-3, Kaplan's form, held-out prediction";

namespace {

// "0,0.5,1" -> {0, 0.5, 1}; used for the grid options.
std::vector<double> parse_list(const std::string& s, const std::string& option) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    double v;
    if (!parse_number(item, v) || !std::isfinite(v))
      throw po::error("--" + option + ": '" + item + "' is not a number");
    out.push_back(v);
  }
  if (out.empty()) throw po::error("--" + option + " needs at least one value");
  return out;
}

std::string join(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    s += (s.empty() ? "" : ",") + std::string(buf);
  }
  return s;
}

// The command line's values that are not FitCommandOptions fields as they are.
struct FitFlags {
  // Signed on purpose: program_options would silently wrap "-1" into a huge unsigned value.
  long long exclude = 0, samples = 0, seed = 0;
  std::string ga, gb, ge, galpha, gbeta;  // the L-BFGS start grid, "0,0.5,1"
  bool no_kaplan = false, no_plots = false;
};

// Every option of `fit` once: its field, help and the values it accepts (the table refuses the rest).
void add_fit_options(OptionTable& t, FitCommandOptions& o, FitFlags& f) {
  t.add_required("input", o.input, "FILE.csv", "CSV with one row per run");
  t.add("params-column", o.columns.n, "column with N (default: non_embedding_params if present, else params)", {},
        Resume::kMayChange, "NAME");
  t.add("tokens-column", o.columns.d,
        "column with D (default: train_tokens for a data-size sweep, tokens_at_best for a budget sweep, else tokens)",
        {}, Resume::kMayChange, "NAME");
  t.add("loss-column", o.columns.loss, "column with the loss in nats (default: best_dev_loss if present, else loss)",
        {}, Resume::kMayChange, "NAME");
  t.add("compare-params-column", o.compare_params,
        "also fit with this N column and say which predicts better (auto: params <-> non_embedding_params; none)", {},
        Resume::kMayChange, "NAME");
  t.add("holdout", o.holdout,
        "leave these runs out of every fit and predict them, e.g. 'non_embedding_params==max', 'budget>=1e15', "
        "'model==l && seed==1' (OP: >= <= > < == !=; VALUE: a number, max, min or text)",
        {}, Resume::kMayChange, "EXPR");
  cli::add_output_option(t, o.output);
  t.add("method", o.method,
        "approach 3: varpro (variable projection, bounded), lbfgs (the paper's multi-start L-BFGS, unbounded) or "
        "both (varpro, checked against lbfgs)",
        {}, Resume::kMayChange, enum_choices<FitMethod>("|"));
  t.add("delta", o.fit.delta, "Huber delta", above(0), Resume::kMayChange, "X");
  t.add("exclude-top-k", f.exclude, "leave out the K highest-loss runs (e.g. diverged or undertrained ones)",
        at_least(0), Resume::kMayChange, "K");
  t.add("bootstrap", f.samples, "bootstrap resamples for the intervals (0: none)", at_least(0), Resume::kMayChange,
        "N");
  t.add("level", o.level, "level of the bootstrap intervals", Range{0, 1, true, true}, Resume::kMayChange, "P");
  t.add("seed", f.seed, "bootstrap random seed", at_least(0), Resume::kMayChange, "S");
  t.add_flag("bootstrap-full-grid", o.bootstrap.full_grid,
             "lbfgs: refit each resample from the full grid (default: from the best fit and the initial points of the "
             "16 best full-grid starts with distinct optima)");
  t.add("curves", o.curves_dir,
        "sweep directory holding runs/RUN/metrics.jsonl for approach 1 (default: the CSV's folder)", {},
        Resume::kMayChange, "DIR");
  t.add_flag("no-kaplan", f.no_kaplan, "skip Kaplan et al.'s form");
  t.add_list("budget", o.budgets, "C", "compute budget in FLOPs (repeatable): predicts N_opt, D_opt and the loss",
             above(0), OptionTable::PerFlag::kMany);
  t.add("isoflop-budgets", o.isoflop_count,
        "number of IsoFLOP profiles of the fitted law, log-spaced over the data's 6ND range",
        closed(0, kMaxIsoflopCount), Resume::kMayChange, "K");
  t.add("grid-a", f.ga, "lbfgs: initial values of a = log A", {}, Resume::kMayChange, "LIST");
  t.add("grid-b", f.gb, "lbfgs: initial values of b = log B", {}, Resume::kMayChange, "LIST");
  t.add("grid-e", f.ge, "lbfgs: initial values of e = log E", {}, Resume::kMayChange, "LIST");
  t.add("grid-alpha", f.galpha, "lbfgs: initial values of alpha", {}, Resume::kMayChange, "LIST");
  t.add("grid-beta", f.gbeta, "lbfgs: initial values of beta", {}, Resume::kMayChange, "LIST");
  t.add("exponent-max", o.varpro.exponent_max, "varpro: alpha and beta are searched in [0, X]", above(0),
        Resume::kMayChange, "X");
  t.add("threads", o.fit.solver.threads,
        "threads for the starts and the bootstrap (0: all cores); results do not "
        "depend on it",
        at_least(0), Resume::kMayChange, "T");
  t.add_flag("require-identified", o.require_identified,
             "exit with status 3 when the parametric law is not identified (for scripts)");
  t.add_flag("no-plots", f.no_plots, "skip the figures (fit.json only)");
}

}  // namespace

int fit_main(int argc, char** argv) {
  FitCommandOptions o;
  FitFlags f;
  f.samples = static_cast<long long>(o.bootstrap.samples);
  const StartGrid g = StartGrid::chinchilla();
  f.ga = join(g.a), f.gb = join(g.b), f.ge = join(g.e), f.galpha = join(g.alpha), f.gbeta = join(g.beta);
  const std::string usage =
      "Usage: sst-analyze fit --input FILE.csv [options]\n\n"
      "Fits the runs of a CSV with a header (sweep.csv, or any file with N, D and loss columns) with the three\n"
      "approaches of Hoffmann et al. (2022): (1) the lower envelope of the training curves (from the runs'\n"
      "metrics.jsonl next to the CSV), (2) IsoFLOP parabolas (a [budget] flops sweep), (3) the parametric\n"
      "L(N, D) = E + A/N^alpha + B/D^beta (Huber loss on log L; by variable projection, or by the paper's\n"
      "multi-start L-BFGS), and Kaplan et al.'s L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D; bootstrap\n"
      "intervals; one table of the allocation exponents a, b (N_opt ∝ C^a, D_opt ∝ C^b); an identifiability\n"
      "verdict. From sweep.csv only finished runs (completed, early_stopped) are used. Writes OUTPUT/fit.json\n"
      "and figures (PNG + SVG, with their gnuplot .dat/.gp) and prints a summary.\n\nOptions";
  OptionTable table("", "--");
  add_fit_options(table, o, f);
  const auto check = [&](const po::variables_map&) {
    o.plots = !f.no_plots;
    o.kaplan = !f.no_kaplan;
    o.fit.grid = StartGrid{parse_list(f.ga, "grid-a"), parse_list(f.gb, "grid-b"), parse_list(f.ge, "grid-e"),
                           parse_list(f.galpha, "grid-alpha"), parse_list(f.gbeta, "grid-beta")};
    o.exclude_top_k = static_cast<size_t>(f.exclude);
    o.bootstrap.samples = static_cast<size_t>(f.samples);
    o.bootstrap.seed = static_cast<uint64_t>(f.seed);
  };
  if (auto exit = cli::parse_subcommand_options("fit", argc, argv, usage, table, std::nullopt, check)) return *exit;
  const FitReport r = run_fit(o, std::cout);
  if (o.require_identified && r.parametric.identifiability.verdict == Verdict::kNotIdentified) return 3;
  return 0;
}

}  // namespace sst::analysis::fit
