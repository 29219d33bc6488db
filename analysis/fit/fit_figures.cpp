// Figures of `sst-analyze fit` (see fit_figures.h). Each figure is a data file of gnuplot blocks plus a
// script body; plot/plot.h adds the terminals and runs gnuplot.
#include "analysis/fit/fit_figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "analysis/plot/plot.h"

namespace sst::analysis::fit {
namespace {

// Escapes enhanced-text specials so column names like best_dev_loss are not read as subscripts.
std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string("_^{}@&~").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// "2.5×10^{8}" in gnuplot enhanced text.
std::string sci(double v) {
  if (!(v > 0) || !std::isfinite(v)) return "n/a";
  int e = static_cast<int>(std::floor(std::log10(v)));
  double m = v / std::pow(10.0, e);
  if (m >= 9.95) {
    m /= 10;
    ++e;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2g×10^{%d}", m, e);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

bool spans_decade(double lo, double hi) { return lo > 0 && hi / lo >= 10; }

std::string log_axis(const char* axis) {
  return std::string("set logscale ") + axis + " 10\nset format " + axis + " '10^{%L}'\n";
}

// At most `max` levels, evenly spread and always including the smallest and the largest.
std::vector<size_t> pick(size_t n, size_t max) {
  std::vector<size_t> out;
  if (n <= max) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (size_t k = 0; k < max; ++k) out.push_back(k * (n - 1) / (max - 1));
  return out;
}

std::string common_style() {
  return "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\nset key outside right top box\n"
         "set border lw 1.2\n";
}

// Loss vs one variable, one series per level of the other, with the fitted law along each level.
std::string per_level_plot(const std::string& dir, const std::string& stem, const FitFigureInput& in, bool along_n) {
  const Data& d = in.data;
  const std::vector<double>& x = along_n ? d.n : d.d;
  const std::vector<double>& other = along_n ? d.d : d.n;
  const auto levels = group_levels(other);
  const auto shown = pick(levels.size(), 8);
  const double xlo = *std::min_element(x.begin(), x.end()), xhi = *std::max_element(x.begin(), x.end());
  const double ylo = *std::min_element(d.loss.begin(), d.loss.end());
  const double yhi = *std::max_element(d.loss.begin(), d.loss.end());

  plot::DataFile data;
  std::ostringstream plotcmd;
  const std::string other_unit = along_n ? " tokens" : " params";
  for (size_t k = 0; k < shown.size(); ++k) {
    const auto& level = levels[shown[k]];
    double log_sum = 0;
    std::vector<std::vector<double>> pts;
    for (size_t i : level) {
      pts.push_back({x[i], d.loss[i]});
      log_sum += std::log(other[i]);
    }
    std::sort(pts.begin(), pts.end());
    const double at = std::exp(log_sum / static_cast<double>(level.size()));  // the level's geometric mean
    std::vector<std::vector<double>> curve;
    for (int s = 0; s <= 100; ++s) {
      const double v = std::exp(std::log(xlo / 1.5) + (std::log(xhi * 1.5) - std::log(xlo / 1.5)) * s / 100.0);
      curve.push_back({v, along_n ? in.law.loss(v, at) : in.law.loss(at, v)});
    }
    const std::string label = std::string(along_n ? "D" : "N") + " = " + num(at) + other_unit;
    int bp = data.add_block("runs at " + label, {along_n ? "N" : "D", "loss"}, pts);
    int bc = data.add_block("fitted L along " + label, {along_n ? "N" : "D", "L_fit"}, curve);
    plotcmd << (k ? ", \\\n     " : "plot ") << "datafile index " << bp << " using 1:2 with points pt 7 ps 1.1 lc "
            << k + 1 << " title " << plot::quote(std::string(along_n ? "D" : "N") + " = " + sci(at) + other_unit)
            << ", datafile index " << bc << " using 1:2 with lines lw 2 lc " << k + 1 << " notitle";
  }
  std::ostringstream body;
  const std::string xname = along_n ? "N = " + esc(in.n_name) + " (parameters)" : "D = " + esc(in.d_name) + " (tokens)";
  std::string title = along_n ? "Loss vs model size per dataset size" : "Loss vs dataset size per model size";
  title += " (points: runs; lines: fitted L(N, D))";
  if (shown.size() < levels.size())
    title += ", " + std::to_string(shown.size()) + " of " + std::to_string(levels.size()) + " levels shown";
  body << common_style() << "set title " << plot::quote(title) << "\n"
       << "set xlabel " << plot::quote(xname) << "\nset ylabel "
       << plot::quote("loss = " + esc(in.loss_name) + " (nats)") << "\n"
       << log_axis("x");
  if (spans_decade(ylo, yhi)) body << log_axis("y");
  body << plotcmd.str() << "\n";
  plot::render((std::filesystem::path(dir) / stem).string(), data.text(), body.str());
  return stem;
}

std::string residual_plot(const std::string& dir, const FitFigureInput& in) {
  auto rows = [&](const Data& d) {
    std::vector<std::vector<double>> r;
    for (size_t i = 0; i < d.size(); ++i) {
      const double pred = in.law.log_loss(d.n[i], d.d[i]);
      r.push_back({std::exp(pred), std::log(d.loss[i]) - pred});
    }
    return r;
  };
  plot::DataFile data;
  const auto fitted = rows(in.data);
  int b0 = data.add_block("fitted runs: predicted loss, log L - log L_fit", {"L_fit", "residual"}, fitted);
  int b1 = data.add_block("excluded runs", {"L_fit", "residual"}, rows(in.excluded));
  double lo = fitted[0][0], hi = lo;
  for (const auto& r : fitted) lo = std::min(lo, r[0]), hi = std::max(hi, r[0]);
  std::ostringstream body;
  body << common_style() << "set title 'Residuals of the fit in log space (Huber objective on log L)'\n"
       << "set xlabel 'predicted loss L_{fit}(N, D) (nats)'\n"
       << "set ylabel 'log L - log L_{fit} (natural log, dimensionless)'\n";
  if (spans_decade(lo, hi)) body << log_axis("x");
  body << "set xzeroaxis lt -1 lw 1\n"
       << "plot datafile index " << b0 << " using 1:2 with points pt 7 ps 1 lc 1 title 'fitted runs', \\\n"
       << "     datafile index " << b1 << " using 1:2 with points pt 6 ps 1.5 lc 7 title 'excluded (top-k loss)'\n";
  plot::render((std::filesystem::path(dir) / "residuals").string(), data.text(), body.str());
  return "residuals";
}

std::string isoflop_plot(const std::string& dir, const FitFigureInput& in) {
  plot::DataFile data;
  std::ostringstream cmd;
  std::vector<std::vector<double>> minima;
  double ymin = 1e300, ymax = 0, ycap = 0;
  for (size_t k = 0; k < in.isoflops.size(); ++k) {
    const auto& p = in.isoflops[k];
    std::vector<std::vector<double>> rows;
    for (size_t i = 0; i < p.n.size(); ++i) rows.push_back({p.n[i], p.loss[i], p.d[i]});
    int b = data.add_block("IsoFLOP C = " + num(p.flops), {"N", "L_fit", "D"}, rows);
    cmd << (k ? ", \\\n     " : "plot ") << "datafile index " << b << " using 1:2 with lines lw 2 lc " << k + 1
        << " title " << plot::quote("C = " + sci(p.flops) + " FLOPs");
    minima.push_back({p.n_min, p.loss_min, p.d_min, p.flops});
    ymin = std::min(ymin, p.loss_min);
    ymax = std::max(ymax, p.loss_min);
    ycap = std::max(ycap, *std::max_element(p.loss.begin(), p.loss.end()));
  }
  int bm = data.add_block("minima of the profiles", {"N_min", "L_min", "D_min", "C"}, minima);
  cmd << ", \\\n     datafile index " << bm
      << " using 1:2 with points pt 9 ps 2 lc rgb 'black' title 'minimum (N_{opt})'";
  // The profiles blow up two decades from the optimum; showing up to 1.5x the worst minimum keeps the
  // region around the minima readable.
  const double top = std::min(ycap, ymin + 1.5 * (ymax - ymin) + 0.5 * std::max(ymax - in.law.E, 0.02 * ymax));
  std::ostringstream body;
  body << common_style() << "set title 'IsoFLOP profiles of the fitted law: L(N, C/(6N)) for fixed compute C'\n"
       << "set xlabel 'N (parameters); D = C/(6N) tokens'\nset ylabel 'fitted loss (nats)'\n"
       << log_axis("x") << "set yrange [" << 0.98 * ymin << ":" << top << "]\n"
       << cmd.str() << "\n";
  plot::render((std::filesystem::path(dir) / "isoflop").string(), data.text(), body.str());
  return "isoflop";
}

std::string allocation_plot(const std::string& dir, const FitFigureInput& in) {
  const Allocation a = allocation(in.law);
  const Data& d = in.data;
  std::vector<std::vector<double>> runs;
  double clo = 1e300, chi = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    const double c = 6 * d.n[i] * d.d[i];
    runs.push_back({c, d.n[i], d.d[i]});
    clo = std::min(clo, c);
    chi = std::max(chi, c);
  }
  for (const auto& b : in.budgets) clo = std::min(clo, b.flops), chi = std::max(chi, b.flops);
  clo /= 3;
  chi *= 3;
  std::vector<std::vector<double>> line, iso, budgets;
  for (int s = 0; s <= 100; ++s) {
    const double c = std::exp(std::log(clo) + (std::log(chi) - std::log(clo)) * s / 100.0);
    line.push_back({c, a.n_opt(c), a.d_opt(c)});
  }
  for (const auto& p : in.isoflops) iso.push_back({p.flops, p.n_min, p.d_min});
  for (const auto& b : in.budgets) budgets.push_back({b.flops, b.n_opt, b.d_opt});
  plot::DataFile data;
  int bl = data.add_block("closed form: C, N_opt, D_opt", {"C", "N_opt", "D_opt"}, line);
  int bi = data.add_block("IsoFLOP minima", {"C", "N_min", "D_min"}, iso);
  int bb = data.add_block("--budget predictions", {"C", "N_opt", "D_opt"}, budgets);
  int br = data.add_block("runs: 6ND, N, D", {"C", "N", "D"}, runs);
  std::ostringstream body;
  body << common_style() << "set title "
       << plot::quote("Compute-optimal allocation for C = 6ND: N_{opt} ∝ C^{" + num(a.n_exponent) + "}, D_{opt} ∝ C^{" +
                      num(a.d_exponent) + "}")
       << "\nset xlabel 'compute C (FLOPs)'\nset ylabel 'N (parameters) or D (tokens)'\n"
       << log_axis("x") << log_axis("y") << "plot datafile index " << bl
       << " using 1:2 with lines lw 2 lc 1 title 'N_{opt}(C) (parameters)', \\\n"
       << "     datafile index " << bl << " using 1:3 with lines lw 2 lc 2 title 'D_{opt}(C) (tokens)', \\\n"
       << "     datafile index " << bi << " using 1:2 with points pt 9 ps 1.8 lc 1 title 'IsoFLOP minimum N', \\\n"
       << "     datafile index " << bi << " using 1:3 with points pt 9 ps 1.8 lc 2 title 'IsoFLOP minimum D', \\\n"
       << "     datafile index " << bb << " using 1:2 with points pt 5 ps 1.5 lc 7 title '--budget N_{opt}', \\\n"
       << "     datafile index " << bb << " using 1:3 with points pt 4 ps 1.5 lc 7 title '--budget D_{opt}', \\\n"
       << "     datafile index " << br << " using 1:2 with points pt 7 ps 0.5 lc rgb '#99999999' title 'runs: N', \\\n"
       << "     datafile index " << br << " using 1:3 with points pt 6 ps 0.5 lc rgb '#99999999' title 'runs: D'\n";
  plot::render((std::filesystem::path(dir) / "compute_optimal").string(), data.text(), body.str());
  return "compute_optimal";
}

}  // namespace

std::vector<std::string> write_fit_figures(const std::string& dir, const FitFigureInput& in) {
  std::vector<std::string> stems;
  stems.push_back(per_level_plot(dir, "loss_vs_params", in, true));
  stems.push_back(per_level_plot(dir, "loss_vs_tokens", in, false));
  stems.push_back(residual_plot(dir, in));
  if (!in.isoflops.empty()) stems.push_back(isoflop_plot(dir, in));
  if (std::isfinite(allocation(in.law).G)) stems.push_back(allocation_plot(dir, in));
  return stems;
}

}  // namespace sst::analysis::fit
