// Figures of `sst-analyze fit` (see fit_figures.h): the shared style, the parametric law's figures (loss
// against N and D with bands, residuals, its IsoFLOP profiles) and the dispatch. Each figure is a data file
// of gnuplot blocks plus a script body; plot/plot.h adds the terminals and runs gnuplot. The approaches'
// figures are in approach_figures.cpp.
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

// Loss vs one variable, one series per level of the other, with the fitted law along each level and its
// bootstrap band; held-out runs in black.
std::string write_law_figure(const std::string& dir, const std::string& stem, const FitFigureInput& in, bool along_n) {
  const Data& d = in.data;
  const std::vector<double>& x = along_n ? d.n : d.d;
  const std::vector<double>& other = along_n ? d.d : d.n;
  const auto levels = group_levels(other);
  const auto shown = pick(levels.size(), 8);
  double xlo = *std::min_element(x.begin(), x.end()), xhi = *std::max_element(x.begin(), x.end());
  for (double v : along_n ? in.held.n : in.held.d) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
  double ylo = *std::min_element(d.loss.begin(), d.loss.end()), yhi = *std::max_element(d.loss.begin(), d.loss.end());
  for (double v : in.held.loss) ylo = std::min(ylo, v), yhi = std::max(yhi, v);

  plot::DataFile data;
  std::vector<std::string> bands, lines;  // bands first, so the points and lines are drawn over them
  const std::string other_unit = along_n ? " tokens" : " params";
  const int level_pct = static_cast<int>(std::lround(100 * in.level));
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
    const std::string label = std::string(along_n ? "D" : "N") + " = " + sci(at) + other_unit;
    const int bp = data.add_block("runs at " + label, {along_n ? "N" : "D", "loss"}, pts);
    const std::string color = std::to_string(k + 1);
    lines.push_back("datafile index " + std::to_string(bp) + " using 1:2 with points pt 7 ps 1.1 lc " + color +
                    " title " + plot::quote(label));
    if (!in.law_identified) continue;  // a rejected law is not drawn
    std::vector<std::vector<double>> curve;
    for (double v : log_space(xlo / 1.5, xhi * 1.5, 80)) {
      const double nn = along_n ? v : at, dd = along_n ? at : v;
      const auto [lo, hi] = band(in.boot, in.level, nn, dd);
      curve.push_back({v, in.law.loss(nn, dd), lo, hi});
    }
    const int bc = data.add_block("fitted L along " + label + " and its bootstrap band",
                                  {along_n ? "N" : "D", "L_fit", "band_lo", "band_hi"}, curve);
    if (!in.boot.empty())
      bands.push_back("datafile index " + std::to_string(bc) + " using 1:3:4 with filledcurves lc " + color +
                      " fs transparent solid 0.15 noborder notitle");
    lines.push_back("datafile index " + std::to_string(bc) + " using 1:2 with lines lw 2 lc " + color + " notitle");
  }
  std::vector<std::vector<double>> held;
  for (size_t i = 0; i < in.held.size(); ++i) held.push_back({along_n ? in.held.n[i] : in.held.d[i], in.held.loss[i]});
  const int bh = data.add_block("held-out runs (--holdout)", {along_n ? "N" : "D", "loss"}, held);
  // The prediction along each level of the held-out runs that no fitted level already draws.
  const std::vector<double>& held_other = along_n ? in.held.d : in.held.n;
  for (const auto& level : group_levels(held_other)) {
    if (!in.law_identified) break;
    const double at = held_other[level.front()];
    bool drawn = false;
    for (size_t k : shown) drawn = drawn || std::abs(other[levels[k].front()] / at - 1) < 0.02;
    if (drawn) continue;
    std::vector<std::vector<double>> curve;
    for (double v : log_space(xlo / 1.5, xhi * 1.5, 80)) {
      const double nn = along_n ? v : at, dd = along_n ? at : v;
      const auto [lo, hi] = band(in.boot, in.level, nn, dd);
      curve.push_back({v, in.law.loss(nn, dd), lo, hi});
    }
    const int bc = data.add_block("predicted L along the held-out level " + sci(at),
                                  {along_n ? "N" : "D", "L_fit", "band_lo", "band_hi"}, curve);
    if (!in.boot.empty())
      bands.push_back("datafile index " + std::to_string(bc) +
                      " using 1:3:4 with filledcurves lc rgb 'black' fs transparent solid 0.1 noborder notitle");
    lines.push_back("datafile index " + std::to_string(bc) + " using 1:2 with lines lw 2 dt 2 lc rgb 'black' title " +
                    plot::quote("predicted, " + std::string(along_n ? "D" : "N") + " = " + sci(at) + other_unit));
  }
  std::ostringstream body;
  const std::string xname = along_n ? "N = " + esc(in.n_name) + " (parameters)" : "D = " + esc(in.d_name) + " (tokens)";
  std::string title = along_n ? "Loss vs model size per data size" : "Loss vs data size per model size";
  if (!in.law_identified)
    title += " (L(N, D) not identified: no law drawn)";
  else
    title += " (lines: fitted L(N, D)" +
             (in.boot.empty() ? std::string() : ", bands: " + std::to_string(level_pct) + "% bootstrap") + ")";
  if (shown.size() < levels.size())
    title += "\\n" + std::to_string(shown.size()) + " of " + std::to_string(levels.size()) + " levels shown";
  body << style() << "set title " << plot::quote(title) << "\n"
       << "set xlabel " << plot::quote(xname) << "\nset ylabel "
       << plot::quote("loss = " + esc(in.loss_name) + " (nats)") << "\n"
       << log_axis("x") << log_range_axis("y", ylo, yhi);
  if (!held.empty())
    lines.push_back("datafile index " + std::to_string(bh) +
                    " using 1:2 with points pt 6 ps 2 lw 2 lc rgb 'black' title 'held out'");
  bands.insert(bands.end(), lines.begin(), lines.end());
  body << plot_command(bands);
  plot::render((std::filesystem::path(dir) / stem).string(), data.text(), body.str());
  return stem;
}

std::string write_residual_figure(const std::string& dir, const FitFigureInput& in) {
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
  const int b0 = data.add_block("fitted runs: predicted loss, log L - log L_fit", {"L_fit", "residual"}, fitted);
  const int b1 = data.add_block("excluded runs", {"L_fit", "residual"}, rows(in.excluded));
  const int b2 = data.add_block("held-out runs", {"L_fit", "residual"}, rows(in.held));
  double xlo = INFINITY, xhi = 0;
  for (const auto& r : fitted) xlo = std::min(xlo, r[0]), xhi = std::max(xhi, r[0]);
  std::ostringstream body;
  body << style() << "set title 'Residuals of the parametric fit in log space (the Huber objective is on log L)'\n"
       << "set xlabel 'predicted loss L_{fit}(N, D) (nats)'\n"
       << "set ylabel 'log L - log L_{fit}'\n"
       << log_range_axis("x", xlo, xhi) << "set xzeroaxis lt -1 lw 1\n"
       << "plot datafile index " << b0 << " using 1:2 with points pt 7 ps 1 lc 1 title 'fitted runs'";
  if (in.excluded.size())
    body << ", \\\n     datafile index " << b1
         << " using 1:2 with points pt 6 ps 1.5 lc 7 title 'excluded (top-k loss)'";
  if (in.held.size())
    body << ", \\\n     datafile index " << b2
         << " using 1:2 with points pt 6 ps 2 lw 2 lc rgb 'black' title 'held out'";
  body << "\n";
  plot::render((std::filesystem::path(dir) / "residuals").string(), data.text(), body.str());
  return "residuals";
}

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
    cmd << (k ? ", \\\n     " : "plot ") << "datafile index " << b << " using 1:2 with lines lw 2 lc " << k + 1
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
  std::ostringstream body;
  body << style() << "set title 'IsoFLOP profiles the parametric law implies: L(N, C/(6N)) at fixed compute C'\n"
       << "set xlabel 'N (parameters); D = C/(6N) tokens'\nset ylabel 'fitted loss (nats)'\n"
       << log_axis("x") << log_range_axis("y", 0.98 * ymin, top) << cmd.str() << "\n";
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
