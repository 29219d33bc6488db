// The `curves` figures: training loss, dev loss and dev accuracy against steps and against tokens, log axes
// where the curves span decades, one shared key outside the data (see curves_figures.h).
#include "analysis/runs/curves_figures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "analysis/plot/plot.h"
#include "common/files.h"

namespace sst::analysis::runs {

namespace {

// The training loss smoothed as TensorBoard does: an exponential moving average, debiased for its start,
// over about 1/25 of the logged points (at least 1, i.e. none for short runs).
std::vector<double> smoothed(const std::vector<TrainPoint>& points) {
  const double window = std::max(1.0, static_cast<double>(points.size()) / 25.0);
  const double beta = 1.0 - 1.0 / window;
  std::vector<double> out;
  double avg = 0, weight = 0;
  for (const auto& p : points) {
    if (!std::isfinite(p.loss)) {
      out.push_back(NAN);
      continue;
    }
    avg = beta * avg + (1 - beta) * p.loss;
    weight = beta * weight + (1 - beta);
    out.push_back(avg / weight);
  }
  return out;
}

}  // namespace

// A figure script (longer than 80 lines on purpose): one panel after the other, read top to bottom as the
// figure is laid out.
std::vector<std::string> write_curves_figures(const std::string& dir, const std::vector<Run>& runs) {
  ensure_output_dir(dir);
  plot::DataFile data;
  std::vector<int> train_blocks, eval_blocks;
  for (const auto& r : runs) {
    std::vector<std::vector<double>> t, e;
    const std::vector<double> smooth = smoothed(r.train);
    for (size_t i = 0; i < r.train.size(); ++i) {
      const auto& p = r.train[i];
      t.push_back({static_cast<double>(p.step), p.tokens, p.loss, smooth[i]});
    }
    for (const auto& p : r.evals) e.push_back({static_cast<double>(p.step), p.tokens, p.dev_loss, p.dev_acc});
    train_blocks.push_back(data.add_block(r.name + " train", {"step", "tokens_processed", "loss", "loss_ema"}, t));
    eval_blocks.push_back(data.add_block(r.name + " eval", {"step", "tokens_processed", "dev_loss", "dev_acc"}, e));
  }
  struct Panel {
    const char* title;
    const char* ylabel;
    bool train;  // from the train blocks (else eval blocks)
    int column;  // y column in its block
  };
  const Panel panels[] = {{"training loss (line: moving average; faint: raw)", "loss (nats)", true, 3},
                          {"dev loss", "loss (nats)", false, 3},
                          {"dev accuracy", "accuracy", false, 4}};
  // One key for the three panels, in the right margin (fixed panel margins leave room for it), and only
  // while it stays readable; beyond that the colours stand alone and curves.json names the runs.
  constexpr size_t kMaxKeyed = 16;
  const bool keyed = runs.size() <= kMaxKeyed;
  std::vector<std::string> stems;
  for (const bool by_tokens : {false, true}) {
    const std::string xcol = by_tokens ? "2" : "1";
    std::ostringstream s;
    s << "set termoption noenhanced\nset multiplot layout 1,3 margins 0.05," << (keyed ? "0.83" : "0.98")
      << ",0.13,0.9 spacing 0.06\nset grid xtics ytics mxtics mytics lc rgb '#e4e4e4'\n"
      << "set xlabel " << plot::quote(by_tokens ? "tokens processed (log scale)" : "step (log scale)") << "\n";
    if (!keyed)
      s << "set label 2 " << plot::quote(std::to_string(runs.size()) + " runs (names in curves.json)")
        << " at screen 0.5,0.03 center\n";
    for (const auto& p : panels) {
      const bool last = &p == &panels[2];
      s << (keyed && last ? "set key at screen 0.99,0.9 right top font ',9' box\n" : "unset key\n");
      // The panel's data range: log x always, log y for the losses (they fall over decades of steps), linear
      // accuracy; ranges fixed to the data so that a narrow one still gets labelled tics (plot::log_axis).
      double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
      for (const auto& r : runs) {
        auto take = [&](double x, double y) {
          if (x > 0 && std::isfinite(y) && y > 0)
            xlo = std::min(xlo, x), xhi = std::max(xhi, x), ylo = std::min(ylo, y), yhi = std::max(yhi, y);
        };
        if (p.train)
          for (const auto& t : r.train) take(by_tokens ? t.tokens : static_cast<double>(t.step), t.loss);
        else
          for (const auto& e : r.evals)
            take(by_tokens ? e.tokens : static_cast<double>(e.step), p.column == 3 ? e.dev_loss : e.dev_acc);
      }
      s << "unset logscale\nset autoscale\nset xtics autofreq\nset ytics autofreq\n"
        << plot::log_axis("x", xlo, xhi) << (by_tokens ? "set format x '%.0s%c'\n" : "set format x '%g'\n");
      if (p.column == 3)
        s << plot::log_axis("y", ylo, yhi) << "set format y '%g'\n";
      else
        s << "set format y '%g'\n";
      s << "set title " << plot::quote(std::string(p.title) + (by_tokens ? " vs tokens" : " vs step")) << "\n"
        << "set ylabel " << plot::quote(p.ylabel) << "\n";
      std::vector<std::string> series;
      for (size_t i = 0; i < runs.size(); ++i) {
        const bool has = p.train ? !runs[i].train.empty() : !runs[i].evals.empty();
        if (!has) continue;  // an all-NaN series would make gnuplot stop ("all points undefined")
        const std::string data_of =
            "datafile index " + std::to_string(p.train ? train_blocks[i] : eval_blocks[i]) + " using " + xcol + ":";
        const std::string colour = plot::quote(plot::series_colour(i, runs.size()));
        const std::string title = " title " + plot::quote(runs[i].name);
        if (p.train) {  // the raw loss faint, its moving average on top
          series.push_back(data_of + "3 with lines lw 1 lc rgb " +
                           plot::quote(plot::series_colour(i, runs.size(), 0xC0)) + " notitle");
          series.push_back(data_of + "4 with lines lw 2 lc rgb " + colour + title);
        } else {
          series.push_back(data_of + std::to_string(p.column) + " with linespoints pt 7 ps 0.6 lc rgb " + colour +
                           title);
        }
      }
      if (series.empty()) {
        s << "unset logscale\nset label 1 'no data' at graph 0.5,0.5 center\nset xrange [0:1]\nset yrange [0:1]\n"
          << "plot -1 notitle\nunset label 1\nset autoscale x\nset autoscale y\nset logscale x 10\n";
        continue;
      }
      s << "plot ";
      for (size_t k = 0; k < series.size(); ++k) s << (k ? ", \\\n     " : "") << series[k];
      s << "\n";
    }
    s << "unset multiplot\n";
    const std::string stem = by_tokens ? "curves_tokens" : "curves_steps";
    plot::render((std::filesystem::path(dir) / stem).string(), data.text(), s.str(), {1500, 520});
    stems.push_back(stem);
  }
  return stems;
}

}  // namespace sst::analysis::runs
