// The approaches' figures of `sst-analyze fit` (see fit_figures.h): approach 2's IsoFLOP curves with their
// minima, approach 1's lower envelope, and the compute-optimal frontier of every approach with the runs.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "analysis/fit/fit_figures.h"
#include "analysis/plot/plot.h"

namespace sst::analysis::fit {

using namespace figure;

namespace {

// One budget's runs by size: one seed as a point; several seeds of one N as their mean with a ±1 s.d. bar and
// each seed faint behind it, as the law figures draw them. Budget k of `of` sits a little to the side
// (kDodge^(k - middle)), so that budgets sharing a size do not hide each other's bars. Returns whether some
// size had several seeds.
bool add_budget_runs(plot::DataFile& data, std::vector<std::string>& series, const Data& pts,
                     const std::vector<size_t>& runs, size_t k, size_t of, const std::string& label) {
  std::vector<std::pair<double, std::vector<double>>> sizes;  // N, and the loss of each of its seeds
  for (size_t i : runs) {
    auto same = [&](const auto& s) { return std::abs(pts.n[i] / s.first - 1) < 0.02; };
    auto it = std::find_if(sizes.begin(), sizes.end(), same);
    if (it == sizes.end()) it = sizes.insert(sizes.end(), {pts.n[i], {}});
    it->second.push_back(pts.loss[i]);
  }
  std::vector<std::vector<double>> single, mean, faint;
  const double dodge = std::pow(kDodge, static_cast<double>(k) - static_cast<double>(of - 1) / 2);
  for (const auto& [size, losses] : sizes) {
    const double n = size * dodge;
    if (losses.size() == 1) {
      single.push_back({n, losses[0]});
      continue;
    }
    double sum = 0, sq = 0;
    for (double l : losses) sum += l;
    const double m = sum / static_cast<double>(losses.size());
    for (double l : losses) sq += (l - m) * (l - m), faint.push_back({n, l});
    const double sd = std::sqrt(sq / static_cast<double>(losses.size() - 1));
    mean.push_back({n, m, m - sd, m + sd});
  }
  const std::string colour = "lc rgb '" + plot::series_colour(k, of) + "'";
  auto add = [&](const char* what, const std::vector<std::string>& cols, std::vector<std::vector<double>> rows,
                 const std::string& style) {
    if (rows.empty()) return;
    std::sort(rows.begin(), rows.end());
    series.push_back("datafile index " + std::to_string(data.add_block(what + (" at " + label), cols, rows)) + style +
                     " notitle");
  };
  add("each seed of a repeated size", {"N", "loss"}, faint,
      " using 1:2 with points pt 7 ps 0.8 lc rgb '" + plot::series_colour(k, of, kFaintSeed) + "'");
  add("mean and mean ± 1 s.d. of the seeds", {"N", "mean", "lo", "hi"}, mean,
      " using 1:2:3:4 with yerrorbars pt 7 ps 1.1 lw 1.5 " + colour);
  add("runs (one seed)", {"N", "loss"}, single, " using 1:2 with points pt 7 ps 1.1 " + colour);
  series.push_back("keyentry with points pt 7 ps 1.1 " + colour + " title " + plot::quote(label));
  return !mean.empty();
}

}  // namespace

std::string write_isoflop_figure(const std::string& dir, const FitFigureInput& in) {
  plot::DataFile data;
  std::vector<std::string> series;
  std::vector<std::vector<double>> minima;
  const auto shown = pick(in.iso.budgets.size(), 8);
  double ylo = INFINITY, yhi = 0, xlo = INFINITY, xhi = 0;
  bool seeds = false;
  for (size_t k = 0; k < shown.size(); ++k) {
    const IsoflopFit& f = in.iso.budgets[shown[k]];
    std::vector<std::vector<double>> curve;
    double lo = INFINITY, hi = 0;
    for (size_t i : f.runs) {
      ylo = std::min(ylo, in.iso_points.loss[i]), yhi = std::max(yhi, in.iso_points.loss[i]);
      lo = std::min(lo, in.iso_points.n[i]), hi = std::max(hi, in.iso_points.n[i]);
    }
    xlo = std::min(xlo, lo / 1.3), xhi = std::max(xhi, hi * 1.3);
    const std::string color = "rgb '" + plot::series_colour(k, shown.size()) + "'",
                      label = "C = " + sci(f.flops) + " FLOPs";
    seeds |= add_budget_runs(data, series, in.iso_points, f.runs, k, shown.size(), label);
    if (f.c2 != 0 || f.c1 != 0) {
      for (double n : log_space(lo / 1.3, hi * 1.3, 60)) curve.push_back({n, f.loss_at(n)});
      const int bc = data.add_block("parabola in log N at " + label, {"N", "loss_fit"}, curve);
      series.push_back("datafile index " + std::to_string(bc) + " using 1:2 with lines lw 2 lc " + color + " notitle");
    }
    // Only a vertex the sizes bracket is a minimum; another is an extrapolation (it can lie decades away).
    if (f.bracketed) minima.push_back({f.n_opt, f.loss_opt, f.flops});
  }
  const int bm = data.add_block("minima the sizes bracket (used for N_opt(C))", {"N_opt", "loss", "C"}, minima);
  if (!minima.empty())
    series.push_back("datafile index " + std::to_string(bm) +
                     " using 1:2 with points pt 9 ps 2.2 lc rgb 'black' "
                     "title 'minimum (N_{opt})'");
  if (seeds) series.push_back("keyentry with points pt 7 ps 0.8 lc rgb '#B0000000' title 'seeds: mean ± 1 s.d.'");
  std::ostringstream body;
  body << style() << "set title "
       << plot::quote("Approach 2: IsoFLOP profiles (runs of one budget, a parabola in log N, its minimum)\n" +
                      approach_text("approach 2 (IsoFLOP)", in.iso_verdict, in.iso_identified, in.iso.n_opt.exponent) +
                      "\neach budget's runs offset " + num(100 * (kDodge - 1)) + "% along N from the next")
       << "\n"
       << "set xlabel " << plot::quote("N = " + esc(in.n_name) + " (parameters)") << "\nset ylabel "
       << plot::quote("loss = " + esc(in.loss_name) + " (nats)") << "\n"
       << log_range_axis("x", xlo, xhi) << log_range_axis("y", ylo, yhi) << plot_command(series);
  plot::render((std::filesystem::path(dir) / "isoflop").string(), data.text(), body.str());
  return "isoflop";
}

std::string write_envelope_figure(const std::string& dir, const FitFigureInput& in) {
  plot::DataFile data;
  std::vector<std::string> series;
  // One colour per model size (light to dark); the key lists sizes, not runs.
  std::map<double, std::vector<size_t>> by_size;
  double ylo = INFINITY, yhi = 0;
  for (const auto& c : in.curves)
    for (double l : c.loss) ylo = std::min(ylo, l), yhi = std::max(yhi, l);
  for (size_t r = 0; r < in.curves.size(); ++r) by_size[in.curves[r].n].push_back(r);
  size_t k = 0;
  for (const auto& [n, runs] : by_size) {
    ++k;
    bool first = true;
    for (size_t r : runs) {
      std::vector<std::vector<double>> rows;
      double best = INFINITY;
      for (size_t i = 0; i < in.curves[r].flops.size(); ++i) {
        best = std::min(best, in.curves[r].loss[i]);
        rows.push_back({in.curves[r].flops[i], best});
      }
      const int b = data.add_block("run " + std::to_string(r) + " (N = " + num(n) + "): C, best dev loss so far",
                                   {"C", "loss"}, rows);
      series.push_back("datafile index " + std::to_string(b) + " using 1:2 with lines lw 1.2 lc rgb '" +
                       plot::sequential_colour(k - 1, by_size.size()) + "'" +
                       (first ? " title " + plot::quote("N = " + sci(n)) : std::string(" notitle")));
      first = false;
    }
  }
  std::vector<std::vector<double>> env;
  for (const auto& p : in.envelope.points) env.push_back({p.flops, p.loss, p.n});
  const int be = data.add_block("lower envelope: C, loss, N of the best run", {"C", "loss", "N"}, env);
  series.push_back("datafile index " + std::to_string(be) +
                   " using 1:2 with linespoints pt 7 ps 0.8 lw 3 lc rgb "
                   "'black' title 'lower envelope'");
  std::ostringstream body;
  body << style() << "set title "
       << plot::quote(
              "Approach 1: best dev loss so far against compute C = 6 N tokens; the envelope's run is N_{opt}(C)\n" +
              approach_text("approach 1 (envelope)", in.envelope_verdict, in.envelope_identified,
                            in.envelope.n_opt.exponent))
       << "\nset xlabel 'compute C (FLOPs)'\nset ylabel " << plot::quote("loss = " + esc(in.loss_name) + " (nats)")
       << "\n"
       << log_axis("x") << log_range_axis("y", ylo, yhi) << plot_command(series);
  plot::render((std::filesystem::path(dir) / "envelope").string(), data.text(), body.str());
  return "envelope";
}

namespace {

// [lo, hi] of the positive, finite values of column `col`, widened to take in `into`.
void widen(std::pair<double, double>& into, const std::vector<std::vector<double>>& rows, size_t col) {
  for (const auto& r : rows)
    if (col < r.size() && std::isfinite(r[col]) && r[col] > 0)
      into.first = std::min(into.first, r[col]), into.second = std::max(into.second, r[col]);
}

// The y axis of a frontier panel: the data's span, widened by the drawn lines but by at most a decade
// each way (a line leaving the data's neighbourhood is cut at the border, not allowed to set the scale).
std::string frontier_axis(std::pair<double, double> data, std::pair<double, double> lines) {
  if (!(data.first <= data.second)) data = lines;
  data.first /= 1.3, data.second *= 1.3;  // points on the border are hard to see
  if (lines.first <= lines.second) {
    data.first = std::min(data.first, std::max(lines.first, data.first / 10));
    data.second = std::max(data.second, std::min(lines.second, data.second * 10));
  }
  return log_range_axis("y", data.first, data.second);
}

struct FrontierLine {  // one approach's N_opt(C): its data block holds C, N_opt, D_opt (and a band's columns)
  std::string title;
  int block;
  bool band;
};

// What one panel plots (0: N_opt, 1: D_opt): the bands, the runs, the frontier's runs and IsoFLOP minima
// (blocks `runs`, `env`, `minima`; -1 when empty), and the lines.
std::vector<std::string> frontier_series(int panel, const std::vector<FrontierLine>& lines, int runs, int env,
                                         int minima) {
  const std::string col = std::to_string(panel == 0 ? 2 : 3);
  std::vector<std::string> series;
  for (size_t k = 0; k < lines.size(); ++k)
    if (lines[k].band)
      series.push_back("datafile index " + std::to_string(lines[k].block) +
                       " using 1:" + std::to_string(panel == 0 ? 4 : 6) + ":" + std::to_string(panel == 0 ? 5 : 7) +
                       " with filledcurves lc rgb '" + plot::series_colour(k, 4) +
                       "' fs transparent solid 0.2 noborder notitle");
  series.push_back("datafile index " + std::to_string(runs) + " using 1:" + col +
                   " with points pt 7 ps 0.6 lc rgb '#aaaaaa' title 'runs'");
  if (env >= 0)
    series.push_back("datafile index " + std::to_string(env) + " using 1:" + col +
                     " with points pt 6 ps 1.4 lw 2 lc rgb 'black' title 'on the frontier'");
  if (minima >= 0)
    series.push_back("datafile index " + std::to_string(minima) + " using 1:" + col +
                     " with points pt 9 ps 1.8 lc rgb '#444444' title 'IsoFLOP minima'");
  for (size_t k = 0; k < lines.size(); ++k)
    series.push_back("datafile index " + std::to_string(lines[k].block) + " using 1:" + col +
                     " with lines lw 2 lc rgb '" + plot::series_colour(k, 4) + "' title " +
                     plot::quote(panel == 0 ? lines[k].title : ""));
  return series;
}

}  // namespace

// N_opt(C) and D_opt(C), side by side: the line of every approach that has one, approach 3's bootstrap band,
// the runs at the compute of their best loss, the envelope's runs and the IsoFLOP minima.
// A figure script (longer than 80 lines on purpose): each layer of the figure in drawing order.
std::string write_frontier_figure(const std::string& dir, const FitFigureInput& in) {
  const Data& d = in.data;
  double clo = INFINITY, chi = 0;
  std::vector<std::vector<double>> runs;
  for (size_t i = 0; i < d.size(); ++i) {
    const double c = 6 * d.n[i] * d.d[i];
    runs.push_back({c, d.n[i], d.d[i]});
    clo = std::min(clo, c), chi = std::max(chi, c);
  }
  for (const auto& b : in.budgets) clo = std::min(clo, b.flops), chi = std::max(chi, b.flops);
  clo /= 3, chi *= 3;
  const Allocation a = allocation(in.law);
  plot::DataFile data;
  std::vector<FrontierLine> lines;
  std::pair<double, double> line_range[2] = {{INFINITY, 0}, {INFINITY, 0}};  // of the drawn N_opt, D_opt
  auto add_line = [&](const std::string& title, auto&& n_of, bool with_band) {
    std::vector<std::vector<double>> rows;
    for (double c : log_space(clo, chi, 80)) {
      const double n = n_of(c);
      std::vector<double> row{c, n, c / (6 * n)};
      if (with_band) {
        std::vector<double> ns;
        for (const auto& l : in.boot)
          if (std::isfinite(l.E)) ns.push_back(allocation(l).n_opt(c));
        const Interval i = percentile_interval(ns, (1 - in.level) / 2, 1 - (1 - in.level) / 2);
        row.insert(row.end(), {i.lo, i.hi, c / (6 * i.hi), c / (6 * i.lo)});
      }
      rows.push_back(row);
    }
    widen(line_range[0], rows, 1), widen(line_range[1], rows, 2);
    std::vector<std::string> cols{"C", "N_opt", "D_opt"};
    if (with_band) cols.insert(cols.end(), {"N_lo", "N_hi", "D_lo", "D_hi"});
    lines.push_back({title, data.add_block(title, cols, rows), with_band});
  };
  if (in.law_identified && std::isfinite(a.G))
    add_line(
        "approach 3 (parametric): N_{opt} ∝ C^{" + num(a.n_exponent) + "}", [&](double c) { return a.n_opt(c); },
        !in.boot.empty());
  if (in.kaplan && in.kaplan_identified && std::isfinite(in.kaplan->n_exponent())) {
    const KaplanLaw& k = *in.kaplan;
    const double r = k.alpha_N / k.alpha_D;
    add_line(
        "Kaplan et al.'s form: N_{opt} ∝ C^{" + num(k.n_exponent()) + "}",
        [&](double c) { return std::pow(r * std::pow(k.Nc, r) * c / (6 * k.Dc), 1 / (1 + r)); }, false);
  }
  if (in.envelope_identified && std::isfinite(in.envelope.n_opt.exponent))
    add_line(
        "approach 1 (envelope): N_{opt} ∝ C^{" + num(in.envelope.n_opt.exponent) + "}",
        [&](double c) { return in.envelope.n_opt.at(c); }, false);
  if (in.iso_identified && std::isfinite(in.iso.n_opt.exponent))
    add_line(
        "approach 2 (IsoFLOP): N_{opt} ∝ C^{" + num(in.iso.n_opt.exponent) + "}",
        [&](double c) { return in.iso.n_opt.at(c); }, false);
  const int br = data.add_block("runs: C = 6 N D, N, D", {"C", "N", "D"}, runs);
  std::vector<std::vector<double>> env, minima;
  for (const auto& p : in.envelope.points) env.push_back({p.flops, p.n, p.d});
  for (const auto& f : in.iso.budgets)
    if (f.bracketed) minima.push_back({f.flops, f.n_opt, f.flops / (6 * f.n_opt)});
  const int bv = data.add_block("runs on the frontier (approach 1's envelope)", {"C", "N", "D"}, env);
  std::pair<double, double> data_range[2] = {{INFINITY, 0}, {INFINITY, 0}};  // of the points' N, D
  for (int col = 1; col <= 2; ++col)
    for (const auto* rows : {&runs, &env, &minima}) widen(data_range[col - 1], *rows, col);
  const int bm = data.add_block("IsoFLOP minima (approach 2)", {"C", "N_opt", "D_opt"}, minima);

  std::ostringstream body;
  // Fixed margins leave room under both panels for one key, placed in screen coordinates.
  // The verdict of each approach not drawn (a drawn one has its exponent in the key).
  std::string title = "Compute-optimal allocation under C = 6ND: every approach, and the runs\n" + law_text(in);
  if (!in.envelope_identified) title += "\n" + approach_text("approach 1 (envelope)", in.envelope_verdict, false, 0);
  if (!in.iso_identified) title += "\n" + approach_text("approach 2 (IsoFLOP)", in.iso_verdict, false, 0);
  const int top = 90 - 3 * static_cast<int>(std::count(title.begin(), title.end(), '\n'));
  body << "set multiplot layout 1,2 margins 0.07,0.98,0.27,0." << top << " spacing 0.08 title " << plot::quote(title)
       << "\n";
  for (int panel = 0; panel < 2; ++panel) {
    const auto series = frontier_series(panel, lines, br, env.empty() ? -1 : bv, minima.empty() ? -1 : bm);
    body << "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\nset border lw 1.2\n"
         << (panel == 0 ? "set key at screen 0.5,0.14 center center horizontal maxrows 3 box font ',10' spacing 1.2\n"
                        : "unset key\n")
         << "set title " << plot::quote(panel == 0 ? "N_{opt}(C) (parameters)" : "D_{opt}(C) (tokens)") << "\n"
         << "set xlabel 'compute C (FLOPs)'\nset ylabel "
         << plot::quote(panel == 0 ? "N = " + esc(in.n_name) : "D = " + esc(in.d_name)) << "\n"
         << log_range_axis("x", clo, chi) << frontier_axis(data_range[panel], line_range[panel])
         << plot_command(series);
  }
  body << "unset multiplot\n";
  plot::render((std::filesystem::path(dir) / "compute_optimal").string(), data.text(), body.str(), {1500, 650});
  return "compute_optimal";
}

}  // namespace sst::analysis::fit
