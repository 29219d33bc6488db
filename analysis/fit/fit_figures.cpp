// Figures of `sst-analyze fit` (see fit_figures.h): the shared style, the parametric law's IsoFLOP profiles
// and the dispatch. Each figure is a data file of gnuplot blocks plus a script body; plot/plot.h adds the
// terminals and runs gnuplot. Loss against N and D and the residuals are in law_figures.cpp, the approaches'
// figures in approach_figures.cpp, the marks (colours, markers, seeds, verdict text) in figure_marks.cpp.
#include "analysis/fit/fit_figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "analysis/plot/plot.h"

namespace sst::analysis::fit {
namespace figure {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string("_^{}@&~").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

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
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string log_axis(const char* axis) {
  return std::string("set logscale ") + axis + " 10\nset format " + axis + " '10^{%L}'\n";
}

std::string log_range_axis(const char* axis, double lo, double hi) { return plot::log_axis(axis, lo, hi); }

std::string style() {
  return "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\nset key outside right top box font ',10' spacing 1.1\n"
         "set border lw 1.2\n";
}

std::vector<size_t> pick(size_t n, size_t max) {
  std::vector<size_t> out;
  if (n <= max) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (size_t k = 0; k < max; ++k) out.push_back(k * (n - 1) / (max - 1));
  return out;
}

std::pair<double, double> band(const std::vector<ScalingLaw>& boot, double level, double n, double d) {
  std::vector<double> v;
  for (const auto& l : boot)
    if (std::isfinite(l.E)) v.push_back(l.loss(n, d));
  const Interval i = percentile_interval(v, (1 - level) / 2, 1 - (1 - level) / 2);
  return {i.lo, i.hi};
}

std::string plot_command(const std::vector<std::string>& series) {
  std::string s = "plot ";
  for (size_t i = 0; i < series.size(); ++i) s += (i ? ", \\\n     " : "") + series[i];
  return s + "\n";
}

std::vector<double> log_space(double lo, double hi, int count) {
  std::vector<double> out;
  for (int s = 0; s < count; ++s)
    out.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * s / (count - 1)));
  return out;
}

}  // namespace figure

using namespace figure;

std::string write_law_isoflop_figure(const std::string& dir, const FitFigureInput& in) {
  plot::DataFile data;
  std::ostringstream cmd;
  std::vector<std::vector<double>> minima;
  double ymin = 1e300, ymax = 0, ycap = 0;
  for (size_t k = 0; k < in.profiles.size(); ++k) {
    const auto& p = in.profiles[k];
    std::vector<std::vector<double>> rows;
    for (size_t i = 0; i < p.n.size(); ++i) rows.push_back({p.n[i], p.loss[i], p.d[i]});
    const int b = data.add_block("IsoFLOP C = " + num(p.flops), {"N", "L_fit", "D"}, rows);
    cmd << (k ? ", \\\n     " : "plot ") << "datafile index " << b << " using 1:2 with lines lw 2 lc rgb '"
        << plot::series_colour(k, in.profiles.size()) << "'"
        << " title " << plot::quote("C = " + sci(p.flops) + " FLOPs");
    minima.push_back({p.n_min, p.loss_min, p.d_min, p.flops});
    ymin = std::min(ymin, p.loss_min);
    ymax = std::max(ymax, p.loss_min);
    ycap = std::max(ycap, *std::max_element(p.loss.begin(), p.loss.end()));
  }
  const int bm = data.add_block("minima of the profiles", {"N_min", "L_min", "D_min", "C"}, minima);
  cmd << ", \\\n     datafile index " << bm
      << " using 1:2 with points pt 9 ps 2 lc rgb 'black' title 'minimum (N_{opt})'";
  // The profiles blow up two decades from the optimum; up to 1.5x the spread of the minima keeps them readable.
  const double top = std::min(ycap, ymin + 1.5 * (ymax - ymin) + 0.5 * std::max(ymax - in.law.E, 0.02 * ymax));
  double xlo = INFINITY, xhi = 0;  // N where some profile is in view
  for (const auto& p : in.profiles)
    for (size_t i = 0; i < p.n.size(); ++i)
      if (p.loss[i] <= top) xlo = std::min(xlo, p.n[i]), xhi = std::max(xhi, p.n[i]);
  std::ostringstream body;
  body << style() << "set title "
       << plot::quote("IsoFLOP profiles the parametric law implies: L(N, C/(6N)) at fixed compute C\n" + law_text(in))
       << "\n"
       << "set xlabel 'N (parameters); D = C/(6N) tokens'\nset ylabel 'fitted loss (nats)'\n"
       << log_range_axis("x", xlo, xhi) << log_range_axis("y", 0.98 * ymin, top) << cmd.str() << "\n";
  plot::render((std::filesystem::path(dir) / "isoflop_law").string(), data.text(), body.str());
  return "isoflop_law";
}

std::vector<std::string> write_fit_figures(const std::string& dir, const FitFigureInput& in) {
  std::vector<std::string> stems;
  stems.push_back(write_law_figure(dir, "loss_vs_params", in, true));
  stems.push_back(write_law_figure(dir, "loss_vs_tokens", in, false));
  stems.push_back(write_residual_figure(dir, in));
  if (!in.iso.budgets.empty()) stems.push_back(write_isoflop_figure(dir, in));
  if (!in.profiles.empty()) stems.push_back(write_law_isoflop_figure(dir, in));
  if (!in.envelope.points.empty()) stems.push_back(write_envelope_figure(dir, in));
  stems.push_back(write_frontier_figure(dir, in));
  return stems;
}

}  // namespace sst::analysis::fit
