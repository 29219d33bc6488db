// The parametric law's figures of `sst-analyze fit` (see fit_figures.h): loss against N per data size and
// against D per model size, with the law along each level and its band; and the residuals against N and D.
// Colour is the model size (one sequential palette), the marker the data size, in every one of them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <sstream>

#include "analysis/fit/fit_figures.h"
#include "analysis/plot/plot.h"

namespace sst::analysis::fit {

using namespace figure;

namespace {

// The marks of one level's runs: a cell of one run as a point, a cell of several seeds as their mean with a
// ±1 s.d. bar over the seeds drawn faint. Colour by N, marker by D; x is N (along_n) or D, times `dodge` (the
// series sit side by side, so that no mean hides another's bar). `seeds` gets the
// fewest and most runs of a cell that has several.
void add_runs(plot::DataFile& data, std::vector<std::string>& marks, const FitFigureInput& in,
              const std::vector<size_t>& level, bool along_n, const Levels& sizes, const Levels& datas, double dodge,
              std::pair<size_t, size_t>& seeds) {
  std::vector<std::vector<double>> single, mean, faint;
  for (const SeedCell& c : seed_cells(in.data, level)) {
    const double x = (along_n ? c.n : c.d) * dodge, pt = datas.marker(c.d);
    if (c.runs.size() == 1) {
      single.push_back({x, c.mean, pt, rgb_value(sizes.colour(c.n))});
      continue;
    }
    mean.push_back({x, c.mean, c.mean - c.sd, c.mean + c.sd, pt, rgb_value(sizes.colour(c.n))});
    seeds = {std::min(seeds.first, c.runs.size()), std::max(seeds.second, c.runs.size())};
    for (size_t i : c.runs) faint.push_back({x, in.data.loss[i], pt, rgb_value(sizes.colour(c.n, kFaintSeed))});
  }
  const std::string x = along_n ? "N" : "D";
  auto block = [&](const std::string& title, const std::vector<std::string>& cols, const auto& rows) {
    return "datafile index " + std::to_string(data.add_block(title, cols, rows));
  };
  if (!faint.empty())
    marks.push_back(block("each seed of a repeated (N, D)", {x, "loss", "pt", "rgb"}, faint) +
                    " using 1:2:3:4 with points pt variable ps 0.8 lc rgb variable notitle");
  if (!mean.empty())
    marks.push_back(block("mean and mean ± 1 s.d. of the seeds", {x, "mean", "lo", "hi", "pt", "rgb"}, mean) +
                    " using 1:2:3:4:5:6 with yerrorbars pt variable ps 1.3 lw 1.5 lc rgb variable notitle");
  if (!single.empty())
    marks.push_back(block("runs (one seed)", {x, "loss", "pt", "rgb"}, single) +
                    " using 1:2:3:4 with points pt variable ps 1.3 lc rgb variable notitle");
}

// The law (and its band) along N at data size `at` (along_n), or along D at model size `at`.
int add_law(plot::DataFile& data, const FitFigureInput& in, bool along_n, double at, double xlo, double xhi,
            const std::string& title) {
  std::vector<std::vector<double>> curve;
  for (double v : log_space(xlo / 1.5, xhi * 1.5, 80)) {
    const double nn = along_n ? v : at, dd = along_n ? at : v;
    const auto [lo, hi] = band(in.boot, in.level, nn, dd);
    curve.push_back({v, in.law.loss(nn, dd), lo, hi});
  }
  return data.add_block(title, {along_n ? "N" : "D", "L_fit", "band_lo", "band_hi"}, curve);
}

}  // namespace

// Loss vs one variable, one series per level of the other, with the fitted law along each level and its
// bootstrap band; held-out runs in black with their predictions (dashed) where no fitted level draws them.
// A figure script (longer than 80 lines on purpose): each layer of the figure in drawing order.
std::string write_law_figure(const std::string& dir, const std::string& stem, const FitFigureInput& in, bool along_n) {
  const Data& d = in.data;
  const std::vector<double>& x = along_n ? d.n : d.d;
  const std::vector<double>& other = along_n ? d.d : d.n;
  const auto levels = group_levels(other);
  const auto shown = pick(levels.size(), 8);
  Levels sizes(d.n), datas(d.d);
  mark_levels(datas, along_n ? shown : std::vector<size_t>{});
  double xlo = *std::min_element(x.begin(), x.end()), xhi = *std::max_element(x.begin(), x.end());
  for (double v : along_n ? in.held.n : in.held.d) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
  double ylo = *std::min_element(d.loss.begin(), d.loss.end()), yhi = *std::max_element(d.loss.begin(), d.loss.end());
  for (double v : in.held.loss) ylo = std::min(ylo, v), yhi = std::max(yhi, v);

  plot::DataFile data;
  std::vector<std::string> bands, marks, lines;  // bands first, so the points and lines are drawn over them
  const std::string other_unit = along_n ? " tokens" : " params";
  std::pair<size_t, size_t> seeds{SIZE_MAX, 0};  // the fewest and most seeds of a repeated (N, D)
  for (size_t p = 0; p < shown.size(); ++p) {
    const auto& level = levels[shown[p]];
    double log_sum = 0;
    for (size_t i : level) log_sum += std::log(other[i]);
    const double at = std::exp(log_sum / static_cast<double>(level.size()));  // the level's geometric mean
    const double dodge = std::pow(kDodge, static_cast<double>(p) - (static_cast<double>(shown.size()) - 1) / 2);
    add_runs(data, marks, in, level, along_n, sizes, datas, dodge, seeds);
    if (!in.law_identified) continue;  // a rejected law is not drawn
    const std::string colour = along_n ? "#555555" : sizes.colour(at);
    const std::string dt = along_n ? " dt " + std::to_string(datas.dash(at)) : "";
    const int bc =
        add_law(data, in, along_n, at, xlo, xhi,
                "fitted L along " + std::string(along_n ? "D = " : "N = ") + sci(at) + " and its bootstrap band");
    if (!in.boot.empty())
      bands.push_back("datafile index " + std::to_string(bc) + " using 1:3:4 with filledcurves lc rgb '" + colour +
                      "' fs transparent solid 0.1 noborder notitle");
    lines.push_back("datafile index " + std::to_string(bc) + " using 1:2 with lines lw 2" + dt + " lc rgb '" + colour +
                    "' notitle");
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
    const int bc = add_law(data, in, along_n, at, xlo, xhi, "predicted L along the held-out level " + sci(at));
    if (!in.boot.empty())
      bands.push_back("datafile index " + std::to_string(bc) +
                      " using 1:3:4 with filledcurves lc rgb 'black' fs transparent solid 0.1 noborder notitle");
    lines.push_back("datafile index " + std::to_string(bc) + " using 1:2 with lines lw 2 dt 2 lc rgb 'black' title " +
                    plot::quote("predicted, " + std::string(along_n ? "D" : "N") + " = " + sci(at) + other_unit));
  }
  std::string title = along_n ? "Loss vs model size N per data size D" : "Loss vs data size D per model size N";
  if (in.law_identified)
    title +=
        " (lines: fitted L(N, D)" +
        (in.boot.empty() ? std::string() : ", bands: " + std::to_string(std::lround(100 * in.level)) + "% bootstrap") +
        ")";
  title += "\neach series' points offset " + num(100 * (kDodge - 1)) + "% along x from the next";
  if (shown.size() < levels.size())
    title += ", " + std::to_string(shown.size()) + " of " + std::to_string(levels.size()) + " levels shown";
  std::vector<std::string> keys;
  if (along_n)
    keys = {data_key(datas, " tokens", in.law_identified), size_key(sizes, " params")};
  else
    keys = {size_key(sizes, " params"), data_key(datas, " tokens", false)};
  if (seeds.second > 0) {
    const std::string count =
        std::to_string(seeds.first) + (seeds.first == seeds.second ? "" : "-" + std::to_string(seeds.second));
    keys.push_back("keyentry with yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb 'black' title " +
                   plot::quote("mean ± 1 s.d. of " + count + " seeds") +
                   ", keyentry with points pt 7 ps 0.8 lc rgb '#B0000000' title 'each seed'");
  }
  if (!held.empty())
    keys.push_back("datafile index " + std::to_string(bh) +
                   " using 1:2 with points pt 6 ps 2 lw 2 lc rgb 'black' title 'held out'");
  std::ostringstream body;
  const std::string xname = along_n ? "N = " + esc(in.n_name) + " (parameters)" : "D = " + esc(in.d_name) + " (tokens)";
  body << style() << "set title " << plot::quote(title + "\n" + law_text(in)) << "\n"
       << "set xlabel " << plot::quote(xname) << "\nset ylabel "
       << plot::quote("loss = " + esc(in.loss_name) + " (nats)") << "\n"
       << log_range_axis("x", xlo / 1.5, xhi * 1.5) << log_range_axis("y", ylo, yhi);
  for (const auto* part : {&marks, &lines, &keys})
    for (const std::string& series : *part)
      if (!series.empty()) bands.push_back(series);
  body << plot_command(bands);
  plot::render((std::filesystem::path(dir) / stem).string(), data.text(), body.str(), {1200, 750});
  return stem;
}

// The residuals log L - log L_fit against N (left) and against D (right): which sizes the law misfits.
std::string write_residual_figure(const std::string& dir, const FitFigureInput& in) {
  Levels sizes(in.data.n), datas(in.data.d);
  mark_levels(datas, {});
  auto rows = [&](const Data& d, bool marked) {
    std::vector<std::vector<double>> r;
    for (size_t i = 0; i < d.size(); ++i)
      r.push_back({d.n[i], d.d[i], std::log(d.loss[i]) - in.law.log_loss(d.n[i], d.d[i]),
                   static_cast<double>(datas.marker(d.d[i])), marked ? rgb_value(sizes.colour(d.n[i])) : 0.0});
    return r;
  };
  plot::DataFile data;
  const std::vector<std::string> cols{"N", "D", "residual", "pt", "rgb"};
  const int b0 = data.add_block("fitted runs: N, D, log L - log L_fit", cols, rows(in.data, true));
  const int b1 = data.add_block("excluded runs", cols, rows(in.excluded, false));
  const int b2 = data.add_block("held-out runs", cols, rows(in.held, false));
  std::ostringstream body;
  body << "set multiplot layout 1,2 margins 0.07,0.98,0.3,0.86 spacing 0.08 title "
       << plot::quote("Residuals of the parametric fit in log space (the Huber objective is on log L)\n" + law_text(in))
       << "\n";
  for (int panel = 0; panel < 2; ++panel) {
    const std::string col = panel == 0 ? "1" : "2";
    std::vector<double> v = panel == 0 ? in.data.n : in.data.d;
    for (const Data* more : {&in.excluded, &in.held})
      v.insert(v.end(), (panel == 0 ? more->n : more->d).begin(), (panel == 0 ? more->n : more->d).end());
    std::vector<std::string> series{"datafile index " + std::to_string(b0) + " using " + col +
                                    ":3:4:5 with points pt variable ps 1.2 lc rgb variable notitle"};
    if (panel == 0)
      for (const std::string& key : {size_key(sizes, " params"), data_key(datas, " tokens", false)})
        if (!key.empty()) series.push_back(key);
    if (in.excluded.size())
      series.push_back("datafile index " + std::to_string(b1) + " using " + col +
                       ":3 with points pt 6 ps 1.8 lc rgb '#CC6677' " +
                       (panel == 0 ? "title 'excluded (top-k loss)'" : "notitle"));
    if (in.held.size())
      series.push_back("datafile index " + std::to_string(b2) + " using " + col +
                       ":3 with points pt 6 ps 2 lw 2 lc rgb 'black' " + (panel == 0 ? "title 'held out'" : "notitle"));
    body << "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\nset border lw 1.2\n"
         << (panel == 0 ? "set key at screen 0.5,0.12 center center horizontal maxrows 4 box font ',10' spacing 1.2\n"
                        : "unset key\n")
         << "set xlabel "
         << plot::quote(panel == 0 ? "N = " + esc(in.n_name) + " (parameters)" : "D = " + esc(in.d_name) + " (tokens)")
         << "\nset ylabel 'log L - log L_{fit}'\n"
         << log_range_axis("x", *std::min_element(v.begin(), v.end()) / 1.3,
                           *std::max_element(v.begin(), v.end()) * 1.3)
         << "set xzeroaxis lt -1 lw 1\n"
         << plot_command(series);
  }
  body << "unset multiplot\n";
  plot::render((std::filesystem::path(dir) / "residuals").string(), data.text(), body.str(), {1400, 700});
  return "residuals";
}

}  // namespace sst::analysis::fit
