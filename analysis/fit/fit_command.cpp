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

namespace po = boost::program_options;

namespace sst::analysis::fit {

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

}  // namespace

int fit_main(int argc, char** argv) {
  FitCommandOptions o;
  // Signed on purpose: program_options would silently wrap "-1" into a huge unsigned value.
  long long exclude = 0, samples = static_cast<long long>(o.bootstrap.samples), seed = 0;
  std::string method = "varpro";
  const StartGrid g = StartGrid::chinchilla();
  std::string ga = join(g.a), gb = join(g.b), ge = join(g.e), galpha = join(g.alpha), gbeta = join(g.beta);
  po::options_description desc(
      "Usage: sst-analyze fit --input FILE.csv [options]\n\n"
      "Fits the runs of a CSV with a header (sweep.csv, or any file with N, D and loss columns) with the three\n"
      "approaches of Hoffmann et al. (2022): (1) the lower envelope of the training curves (from the runs'\n"
      "metrics.jsonl next to the CSV), (2) IsoFLOP parabolas (a [budget] flops sweep), (3) the parametric\n"
      "L(N, D) = E + A/N^alpha + B/D^beta (Huber loss on log L; by variable projection, or by the paper's\n"
      "multi-start L-BFGS), and Kaplan et al.'s L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D; bootstrap\n"
      "intervals; one table of the allocation exponents a, b (N_opt ∝ C^a, D_opt ∝ C^b); an identifiability\n"
      "verdict. From sweep.csv only finished runs (completed, early_stopped) are used. Writes OUTPUT/fit.json\n"
      "and figures (PNG + SVG, with their gnuplot .dat/.gp) and prints a summary.\n\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "print this help and exit")
      ("input", po::value(&o.input)->required()->value_name("FILE.csv"), "CSV with one row per run")
      ("params-column", po::value(&o.columns.n)->value_name("NAME"),
       "column with N (default: non_embedding_params if present, else params)")
      ("tokens-column", po::value(&o.columns.d)->value_name("NAME"),
       "column with D (default: train_tokens for a data-size sweep, tokens_at_best for a budget sweep, else tokens)")
      ("loss-column", po::value(&o.columns.loss)->value_name("NAME"),
       "column with the loss in nats (default: best_dev_loss if present, else loss)")
      ("compare-params-column", po::value(&o.compare_params)->default_value(o.compare_params)->value_name("NAME"),
       "also fit with this N column and say which predicts better (auto: params <-> non_embedding_params; none)")
      ("holdout", po::value(&o.holdout)->value_name("EXPR"),
       "leave these runs out of every fit and predict them, e.g. 'non_embedding_params==max', 'budget>=1e15', "
       "'model==l && seed==1' (OP: >= <= > < == !=; VALUE: a number, max, min or text)")
      ("output", po::value(&o.output)->default_value(o.output)->value_name("DIR"), "output directory")
      ("method", po::value(&method)->default_value(method)->value_name("M"),
       "approach 3: varpro (variable projection, bounded), lbfgs (the paper's multi-start L-BFGS, unbounded) or "
       "both (varpro, checked against lbfgs)")
      ("delta", po::value(&o.fit.delta)->default_value(o.fit.delta, "1e-3")->value_name("X"), "Huber delta")
      ("exclude-top-k", po::value(&exclude)->default_value(0)->value_name("K"),
       "leave out the K highest-loss runs (e.g. diverged or undertrained ones)")
      ("bootstrap", po::value(&samples)->default_value(samples)->value_name("N"),
       "bootstrap resamples for the intervals (0: none)")
      ("level", po::value(&o.level)->default_value(o.level)->value_name("P"), "level of the bootstrap intervals")
      ("seed", po::value(&seed)->default_value(0)->value_name("S"), "bootstrap random seed")
      ("bootstrap-full-grid", po::bool_switch(&o.bootstrap.full_grid),
       "lbfgs: refit each resample from the full grid (default: from the best fit and the initial points of the 16 "
       "best full-grid starts with distinct optima)")
      ("curves", po::value(&o.curves_dir)->value_name("DIR"),
       "sweep directory holding runs/RUN/metrics.jsonl for approach 1 (default: the CSV's folder)")
      ("no-kaplan", "skip Kaplan et al.'s form")
      ("budget", po::value(&o.budgets)->multitoken()->composing()->value_name("C"),
       "compute budget in FLOPs (repeatable): predicts N_opt, D_opt and the loss")
      ("isoflop-budgets", po::value(&o.isoflop_count)->default_value(o.isoflop_count)->value_name("K"),
       "number of IsoFLOP profiles of the fitted law, log-spaced over the data's 6ND range")
      ("grid-a", po::value(&ga)->default_value(ga)->value_name("LIST"), "lbfgs: initial values of a = log A")
      ("grid-b", po::value(&gb)->default_value(gb)->value_name("LIST"), "lbfgs: initial values of b = log B")
      ("grid-e", po::value(&ge)->default_value(ge)->value_name("LIST"), "lbfgs: initial values of e = log E")
      ("grid-alpha", po::value(&galpha)->default_value(galpha)->value_name("LIST"), "lbfgs: initial values of alpha")
      ("grid-beta", po::value(&gbeta)->default_value(gbeta)->value_name("LIST"), "lbfgs: initial values of beta")
      ("exponent-max", po::value(&o.varpro.exponent_max)->default_value(o.varpro.exponent_max)->value_name("X"),
       "varpro: alpha and beta are searched in [0, X]")
      ("threads", po::value(&o.fit.solver.threads)->default_value(0)->value_name("T"),
       "threads for the starts and the bootstrap (0: all cores); results do not depend on it")
      ("require-identified", po::bool_switch(&o.require_identified),
       "exit with status 3 when the parametric law is not identified (for scripts)")
      ("no-plots", "skip the figures (fit.json only)");
  // clang-format on
  const auto check = [&](const po::variables_map& vm) {
    o.plots = !vm.count("no-plots");
    o.kaplan = !vm.count("no-kaplan");
    o.fit.grid = StartGrid{parse_list(ga, "grid-a"), parse_list(gb, "grid-b"), parse_list(ge, "grid-e"),
                           parse_list(galpha, "grid-alpha"), parse_list(gbeta, "grid-beta")};
    if (method == "varpro")
      o.method = FitMethod::kVarPro;
    else if (method == "lbfgs")
      o.method = FitMethod::kLbfgs;
    else if (method == "both")
      o.method = FitMethod::kBoth;
    else
      throw po::error("--method must be varpro, lbfgs or both");
    if (!(o.fit.delta > 0)) throw po::error("--delta must be positive");
    if (exclude < 0) throw po::error("--exclude-top-k must be >= 0");
    if (samples < 0) throw po::error("--bootstrap must be >= 0");
    if (seed < 0) throw po::error("--seed must be >= 0");
    if (!(o.level > 0 && o.level < 1)) throw po::error("--level must be in (0, 1)");
    if (!(o.varpro.exponent_max > 0)) throw po::error("--exponent-max must be positive");
    o.exclude_top_k = static_cast<size_t>(exclude);
    o.bootstrap.samples = static_cast<size_t>(samples);
    o.bootstrap.seed = static_cast<uint64_t>(seed);
    if (o.isoflop_count < 0 || o.isoflop_count > kMaxIsoflopCount)
      throw po::error("--isoflop-budgets must be in [0, " + std::to_string(kMaxIsoflopCount) + "]");
    if (o.fit.solver.threads < 0) throw po::error("--threads must be >= 0");
  };
  if (auto exit = cli::parse_subcommand_options("fit", argc, argv, desc, std::nullopt, check)) return *exit;
  const FitReport r = run_fit(o, std::cout);
  if (o.require_identified && r.parametric.identifiability.verdict == Verdict::kNotIdentified) return 3;
  return 0;
}

}  // namespace sst::analysis::fit
