// `sst-analyze fit`: CSV in, fit.json + figures out (see fit_command.h). Options are parsed here; the
// numerics are in scaling_fit.cpp / scaling_analysis.cpp and the figures in fit_figures.cpp.
#include "analysis/fit/fit_command.h"

#include <boost/program_options.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "analysis/cli/options.h"
#include "analysis/fit/csv.h"
#include "analysis/fit/fit_figures.h"
#include "common/error.h"
#include "common/files.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace sst::analysis::fit {

const char* const kFitSummary = "fit L(N, D) = E + A/N^alpha + B/D^beta to a sweep (Chinchilla approach 3)";

namespace {

std::string fmt(double v, const char* spec = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

json interval_json(const Interval& i) { return json::array({i.lo, i.hi}); }

// Reads the three columns and rejects values the log-space fit cannot take, naming the line.
Data read_points(const FitCommandOptions& o, std::vector<size_t>& lines) {
  const CsvTable table = read_csv(o.input);
  const std::vector<std::string> names{o.params_column, o.tokens_column, o.loss_column};
  const NumericColumns cols = select_numeric(table, names);
  for (size_t r = 0; r < table.rows.size(); ++r)
    for (size_t j = 0; j < names.size(); ++j) {
      const double v = cols.columns[j][r];
      if (!(std::isfinite(v) && v > 0))
        throw UserError(o.input + ":" + std::to_string(table.lines[r]) + ": column '" + names[j] + "' value '" +
                        table.rows[r][table.column(names[j])] + "' is not finite and positive");
    }
  if (table.rows.empty()) throw UserError(o.input + ": no data rows");
  lines = table.lines;
  return Data{cols.columns[0], cols.columns[1], cols.columns[2]};
}

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
  j["E"] = f.law.E;
  j["A"] = f.law.A;
  j["alpha"] = f.law.alpha;
  j["objective"] = f.objective;
  return j;
}

}  // namespace

json run_fit(const FitCommandOptions& o, std::ostream& out) {
  for (double c : o.budgets)
    if (!(std::isfinite(c) && c > 0)) throw UserError("--budget must be a positive number of FLOPs");
  std::vector<size_t> lines;
  const Data all = read_points(o, lines);
  std::vector<size_t> excluded_idx;
  const Data data = exclude_highest_loss(all, o.exclude_top_k, &excluded_idx);
  ensure_writable_dir(o.output);

  const auto t_fit = std::chrono::steady_clock::now();
  const FitResult best = fit(data, o.fit);
  const ScalingLaw& law = best.law;
  const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_fit).count();
  const BootstrapResult boot = bootstrap(data, best, o.fit, o.bootstrap);
  const Allocation alloc = allocation(law);

  json j;
  j["input"] = o.input;
  j["columns"] = {{"params", o.params_column}, {"tokens", o.tokens_column}, {"loss", o.loss_column}};
  j["model"] = "L(N, D) = E + A / N^alpha + B / D^beta";
  j["E"] = law.E;
  j["A"] = law.A;
  j["B"] = law.B;
  j["alpha"] = law.alpha;
  j["beta"] = law.beta;
  j["log_params"] = {{"a", best.theta[0]}, {"b", best.theta[1]}, {"e", best.theta[2]}};
  j["objective"] = best.objective;
  j["n_points"] = best.n_points;
  j["n_input_points"] = all.size();
  j["delta"] = o.fit.delta;
  json excluded = json::array();
  Data excluded_data;
  for (size_t i : excluded_idx) {
    excluded.push_back({{"line", lines[i]}, {"params", all.n[i]}, {"tokens", all.d[i]}, {"loss", all.loss[i]}});
    excluded_data.n.push_back(all.n[i]);
    excluded_data.d.push_back(all.d[i]);
    excluded_data.loss.push_back(all.loss[i]);
  }
  j["excluded"] = excluded;
  size_t converged = 0;
  for (const auto& s : best.starts) converged += s.converged;
  const StartGrid& g = o.fit.grid;
  j["grid"] = {{"a", g.a},
               {"b", g.b},
               {"e", g.e},
               {"alpha", g.alpha},
               {"beta", g.beta},
               {"starts", best.starts.size()},
               {"converged_starts", converged},
               {"best_start_initial", best.starts[best.best_start].initial}};
  j["allocation"] = {{"G", alloc.G},
                     {"n_exponent", alloc.n_exponent},
                     {"d_exponent", alloc.d_exponent},
                     {"formula", "N_opt = G (C/6)^n_exponent, D_opt = (C/6)^d_exponent / G, C = 6 N D"}};

  // Bootstrap: every reported quantity is recomputed from each resample's law.
  auto over_boot = [&](auto&& quantity) {
    std::vector<double> v;
    for (const auto& l : boot.laws) v.push_back(quantity(l));
    return percentile_interval(v);
  };
  json intervals = json::object();
  size_t failed = 0;
  if (!boot.laws.empty()) {
    for (const auto& l : boot.laws) failed += !std::isfinite(l.E);
    intervals["E"] = interval_json(over_boot([](const ScalingLaw& l) { return l.E; }));
    intervals["A"] = interval_json(over_boot([](const ScalingLaw& l) { return l.A; }));
    intervals["B"] = interval_json(over_boot([](const ScalingLaw& l) { return l.B; }));
    intervals["alpha"] = interval_json(over_boot([](const ScalingLaw& l) { return l.alpha; }));
    intervals["beta"] = interval_json(over_boot([](const ScalingLaw& l) { return l.beta; }));
    intervals["G"] = interval_json(over_boot([](const ScalingLaw& l) { return allocation(l).G; }));
    intervals["n_exponent"] = interval_json(over_boot([](const ScalingLaw& l) { return allocation(l).n_exponent; }));
    intervals["d_exponent"] = interval_json(over_boot([](const ScalingLaw& l) { return allocation(l).d_exponent; }));
  }
  j["intervals"] = intervals;
  j["bootstrap"] = {{"samples", o.bootstrap.samples},
                    {"seed", o.bootstrap.seed},
                    {"refit_grid", o.bootstrap.full_grid ? "full" : "reduced"},
                    {"starts_per_fit", boot.starts_per_fit},
                    {"failed_fits", failed},
                    {"percentiles", {2.5, 97.5}}};

  std::vector<BudgetPrediction> predictions;
  json preds = json::array();
  for (double c : o.budgets) {
    const BudgetPrediction p = predict_budget(law, c);
    predictions.push_back(p);
    json pj{{"flops", c}, {"N_opt", p.n_opt}, {"D_opt", p.d_opt}, {"loss", p.loss}};
    if (!boot.laws.empty())
      pj["intervals"] = {
          {"N_opt", interval_json(over_boot([c](const ScalingLaw& l) { return predict_budget(l, c).n_opt; }))},
          {"D_opt", interval_json(over_boot([c](const ScalingLaw& l) { return predict_budget(l, c).d_opt; }))},
          {"loss", interval_json(over_boot([c](const ScalingLaw& l) { return predict_budget(l, c).loss; }))}};
    preds.push_back(pj);
  }
  j["predictions"] = preds;

  j["single_variable"] = {{"loss_vs_params", single_variable(data, true, o.fit, "params", "tokens")},
                          {"loss_vs_tokens", single_variable(data, false, o.fit, "tokens", "params")}};

  // IsoFLOP profiles over budgets spanning the data, N swept two decades either side of the optimum.
  std::vector<IsoflopProfile> isoflops;
  json iso = json::array();
  if (std::isfinite(alloc.G)) {
    for (double c : isoflop_budgets(data, o.isoflop_count)) {
      const double center = alloc.n_opt(c);
      isoflops.push_back(isoflop_profile(law, c, center / 100, center * 100));
      const auto& p = isoflops.back();
      iso.push_back({{"flops", c},
                     {"N_min", p.n_min},
                     {"D_min", p.d_min},
                     {"loss_min", p.loss_min},
                     {"N_opt_closed_form", center}});
    }
  }
  j["isoflop"] = iso;

  double max_abs = 0;
  std::vector<double> abs_res;
  for (size_t i = 0; i < data.size(); ++i) {
    abs_res.push_back(std::abs(std::log(data.loss[i]) - law.log_loss(data.n[i], data.d[i])));
    max_abs = std::max(max_abs, abs_res.back());
  }
  j["residuals_log"] = {{"median_abs", percentile_interval(abs_res, 0.5, 0.5).lo}, {"max_abs", max_abs}};
  j["fit_seconds"] = fit_seconds;

  json plots = json::array();
  if (o.plots) {
    FitFigureInput in{data, excluded_data, law, isoflops, predictions, o.params_column, o.tokens_column, o.loss_column};
    for (const auto& stem : write_fit_figures(o.output, in)) plots.push_back(stem);
  }
  j["plots"] = plots;
  const std::string json_path = (std::filesystem::path(o.output) / "fit.json").string();
  write_text_atomically(json_path, j.dump(2) + "\n");

  // Human summary.
  out << "fit: " << data.size() << " points from " << o.input;
  if (o.exclude_top_k) out << " (" << o.exclude_top_k << " highest-loss excluded)";
  out << ", delta " << fmt(o.fit.delta) << ", " << best.starts.size() << " starts (" << converged << " converged) in "
      << fmt(fit_seconds, "%.2f") << " s\n";
  out << "  L(N, D) = " << fmt(law.E) << " + " << fmt(law.A) << " / N^" << fmt(law.alpha) << " + " << fmt(law.B)
      << " / D^" << fmt(law.beta) << "   (objective " << fmt(best.objective) << ")\n";
  if (!boot.laws.empty()) {
    out << "  95% bootstrap intervals (" << o.bootstrap.samples << " resamples, "
        << (o.bootstrap.full_grid ? "full" : "reduced") << " grid):";
    for (const char* k : {"E", "A", "B", "alpha", "beta"})
      out << " " << k << " [" << fmt(intervals[k][0].get<double>()) << ", " << fmt(intervals[k][1].get<double>())
          << "]";
    out << "\n";
  }
  out << "  compute-optimal: N_opt = " << fmt(alloc.G) << " (C/6)^" << fmt(alloc.n_exponent) << ", D_opt = (C/6)^"
      << fmt(alloc.d_exponent) << " / " << fmt(alloc.G) << "\n";
  for (const auto& p : predictions)
    out << "  C = " << fmt(p.flops, "%.3g") << " FLOPs: N_opt = " << fmt(p.n_opt, "%.3g")
        << ", D_opt = " << fmt(p.d_opt, "%.3g") << ", loss = " << fmt(p.loss) << "\n";
  out << "  wrote " << json_path;
  if (!plots.empty()) out << " and " << plots.size() << " figures (.png, .svg; .dat/.gp to restyle)";
  out << "\n";
  return j;
}

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
  for (double x : v) s += (s.empty() ? "" : ",") + fmt(x, "%g");
  return s;
}

}  // namespace

int fit_main(int argc, char** argv) {
  FitCommandOptions o;
  // Signed on purpose: program_options would silently wrap "-1" into a huge unsigned value.
  long long exclude = 0, samples = 0, seed = 0;
  const StartGrid g = StartGrid::chinchilla();
  std::string ga = join(g.a), gb = join(g.b), ge = join(g.e), galpha = join(g.alpha), gbeta = join(g.beta);
  po::options_description desc(
      "Usage: sst-analyze fit --input FILE.csv [options]\n\n"
      "Fits L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, appendix D.2: Huber loss on log L with a\n"
      "log-sum-exp model, L-BFGS from every point of a grid of initial values, the best kept) to the runs in a\n"
      "CSV with a header (sweep.csv, or any file with N, D and loss columns). Writes OUTPUT/fit.json and\n"
      "figures (PNG + SVG, with their gnuplot .dat/.gp) and prints a summary.\n\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "print this help and exit")
      ("input", po::value(&o.input)->required()->value_name("FILE.csv"), "CSV with one row per run")
      ("params-column", po::value(&o.params_column)->default_value(o.params_column)->value_name("NAME"),
       "column with N, the parameter count (e.g. non_embedding_params)")
      ("tokens-column", po::value(&o.tokens_column)->default_value(o.tokens_column)->value_name("NAME"),
       "column with D, the training tokens (e.g. train_tokens or tokens_processed)")
      ("loss-column", po::value(&o.loss_column)->default_value(o.loss_column)->value_name("NAME"),
       "column with the loss in nats (e.g. best_dev_loss)")
      ("output", po::value(&o.output)->default_value(o.output)->value_name("DIR"), "output directory")
      ("delta", po::value(&o.fit.delta)->default_value(o.fit.delta, "1e-3")->value_name("X"), "Huber delta")
      ("exclude-top-k", po::value(&exclude)->default_value(0)->value_name("K"),
       "leave out the K highest-loss runs (e.g. diverged or undertrained ones)")
      ("bootstrap", po::value(&samples)->default_value(0)->value_name("N"),
       "bootstrap resamples for 95% percentile intervals (0: none)")
      ("seed", po::value(&seed)->default_value(0)->value_name("S"), "bootstrap random seed")
      ("bootstrap-full-grid", po::bool_switch(&o.bootstrap.full_grid),
       "refit each resample from the full grid (default: from the best fit and the initial points of the 16 "
       "best full-grid starts with distinct optima)")
      ("budget", po::value(&o.budgets)->multitoken()->composing()->value_name("C"),
       "compute budget in FLOPs (repeatable): predicts N_opt, D_opt and the loss")
      ("isoflop-budgets", po::value(&o.isoflop_count)->default_value(o.isoflop_count)->value_name("K"),
       "number of IsoFLOP profiles, log-spaced over the data's 6ND range")
      ("grid-a", po::value(&ga)->default_value(ga)->value_name("LIST"), "initial values of a = log A")
      ("grid-b", po::value(&gb)->default_value(gb)->value_name("LIST"), "initial values of b = log B")
      ("grid-e", po::value(&ge)->default_value(ge)->value_name("LIST"), "initial values of e = log E")
      ("grid-alpha", po::value(&galpha)->default_value(galpha)->value_name("LIST"), "initial values of alpha")
      ("grid-beta", po::value(&gbeta)->default_value(gbeta)->value_name("LIST"), "initial values of beta")
      ("threads", po::value(&o.fit.solver.threads)->default_value(0)->value_name("T"),
       "threads for the grid starts and bootstrap (0: all cores); results do not depend on it")
      ("no-plots", "skip the figures (fit.json only)");
  // clang-format on
  const auto check = [&](const po::variables_map& vm) {
    o.plots = !vm.count("no-plots");
    o.fit.grid = StartGrid{parse_list(ga, "grid-a"), parse_list(gb, "grid-b"), parse_list(ge, "grid-e"),
                           parse_list(galpha, "grid-alpha"), parse_list(gbeta, "grid-beta")};
    if (!(o.fit.delta > 0)) throw po::error("--delta must be positive");
    if (exclude < 0) throw po::error("--exclude-top-k must be >= 0");
    if (samples < 0) throw po::error("--bootstrap must be >= 0");
    if (seed < 0) throw po::error("--seed must be >= 0");
    o.exclude_top_k = static_cast<size_t>(exclude);
    o.bootstrap.samples = static_cast<size_t>(samples);
    o.bootstrap.seed = static_cast<uint64_t>(seed);
    if (o.isoflop_count < 0) throw po::error("--isoflop-budgets must be >= 0");
    if (o.fit.solver.threads < 0) throw po::error("--threads must be >= 0");
  };
  if (auto exit = cli::parse_subcommand_options("fit", argc, argv, desc, std::nullopt, check)) return *exit;
  run_fit(o, std::cout);
  return 0;
}

}  // namespace sst::analysis::fit
