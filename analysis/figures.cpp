#include "figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "common/files.h"
#include "plot.h"

namespace sst::analysis {
namespace {

using plot::quote;

std::string fmt(double v, const char* spec = "%.3g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

// `set xtics ('a' 0, 'b' 1, ...)`: token pieces as tick labels.
std::string tics(const char* axis, const std::vector<std::string>& labels, const std::string& extra) {
  std::ostringstream s;
  s << "set " << axis << " (";
  for (size_t i = 0; i < labels.size(); ++i) s << (i ? ", " : "") << quote(labels[i]) << " " << i;
  s << ") " << extra << "\n";
  return s.str();
}

// Heat map of a T x T matrix (x = key, y = query, query 0 on top).
std::string heatmap_commands(int block, const std::vector<std::string>& pieces, const std::string& title) {
  const int T = static_cast<int>(pieces.size());
  std::ostringstream s;
  s << "set title " << quote(title) << "\n"
    << tics("xtics", pieces, "rotate by 60 right font ',8'") << tics("ytics", pieces, "font ',8'")
    << "set xrange [-0.5:" << T - 0.5 << "]\nset yrange [" << T - 0.5 << ":-0.5]\nset cbrange [0:*]\n"
    << "plot datafile index " << block << " using 1:2:3 with image notitle\n";
  return s.str();
}

std::vector<std::vector<double>> matrix_rows(const Matrix& m, int T) {
  std::vector<std::vector<double>> rows;
  for (int q = 0; q < T; ++q)
    for (int k = 0; k < T; ++k) rows.push_back({static_cast<double>(k), static_cast<double>(q), m[q * T + k]});
  return rows;
}

}  // namespace

void write_reliability_plot(const std::string& stem, const Calibration& c) {
  plot::DataFile data;
  std::vector<std::vector<double>> rows;
  for (const auto& b : c.bins) {
    const bool empty = b.count == 0;
    rows.push_back({(b.lo + b.hi) / 2, empty ? NAN : b.accuracy, b.hi - b.lo, empty ? NAN : b.mean_confidence,
                    static_cast<double>(b.count)});
  }
  const int blk = data.add_block("calibration bins", {"center", "accuracy", "width", "mean_confidence", "count"}, rows);
  const std::string idx = std::to_string(blk);
  std::ostringstream s;
  s << "set multiplot\nset size 1,0.7\nset origin 0,0.3\n"
    << "set title "
    << quote("Reliability diagram (" + std::to_string(c.bins.size()) + " bins, ECE = " + fmt(c.ece, "%.4f") + ")")
    << "\n"
    << "set xrange [0:1]\nset yrange [0:1]\nset ylabel 'accuracy'\nset key top left\nset grid\n"
    << "set style fill solid 0.5 border -1\nset format x ''\n"
    << "plot x with lines dashtype 2 lc rgb 'gray40' title 'perfect calibration', \\\n"
    << "     datafile index " << idx << " using 1:2:3 with boxes lc rgb '#4477aa' title 'accuracy', \\\n"
    << "     datafile index " << idx << " using 1:4 with points pt 7 lc rgb '#cc3311' title 'mean confidence'\n"
    << "set size 1,0.3\nset origin 0,0\nunset title\nset format x '%g'\nset xlabel 'confidence'\n"
    << "set ylabel 'examples'\nset yrange [0:*]\nunset key\n"
    << "plot datafile index " << idx << " using 1:5:3 with boxes lc rgb '#888888' notitle\n"
    << "unset multiplot\n";
  plot::render(stem, data.text(), s.str(), {900, 800});
}

std::vector<std::string> write_curves(const std::string& dir, const std::vector<Run>& runs) {
  ensure_writable_dir(dir);
  plot::DataFile data;
  std::vector<int> train_blocks, eval_blocks;
  for (const auto& r : runs) {
    std::vector<std::vector<double>> t, e;
    for (const auto& p : r.train) t.push_back({static_cast<double>(p.step), p.tokens, p.loss});
    for (const auto& p : r.evals) e.push_back({static_cast<double>(p.step), p.tokens, p.dev_loss, p.dev_acc});
    train_blocks.push_back(data.add_block(r.name + " train", {"step", "tokens_processed", "loss"}, t));
    eval_blocks.push_back(data.add_block(r.name + " eval", {"step", "tokens_processed", "dev_loss", "dev_acc"}, e));
  }
  struct Panel {
    const char* title;
    const char* ylabel;
    bool train;  // from the train blocks (else eval blocks)
    int column;  // y column in its block
  };
  const Panel panels[] = {{"training loss", "loss (nats)", true, 3},
                          {"dev loss", "loss (nats)", false, 3},
                          {"dev accuracy", "accuracy", false, 4}};
  std::vector<std::string> stems;
  for (const bool by_tokens : {false, true}) {
    const std::string xcol = by_tokens ? "2" : "1";
    std::ostringstream s;
    s << "set termoption noenhanced\nset multiplot layout 1,3\nset grid\nset key top right font ',9'\n"
      << "set xlabel " << quote(by_tokens ? "tokens processed" : "step") << "\n";
    if (by_tokens) s << "set format x '%.1s%c'\n";
    for (const auto& p : panels) {
      s << "set title " << quote(std::string(p.title) + (by_tokens ? " vs tokens" : " vs step")) << "\n"
        << "set ylabel " << quote(p.ylabel) << "\n";
      std::vector<std::string> series;
      for (size_t i = 0; i < runs.size(); ++i) {
        const bool has = p.train ? !runs[i].train.empty() : !runs[i].evals.empty();
        if (!has) continue;  // an all-NaN series would make gnuplot stop ("all points undefined")
        const int blk = p.train ? train_blocks[i] : eval_blocks[i];
        series.push_back("datafile index " + std::to_string(blk) + " using " + xcol + ":" + std::to_string(p.column) +
                         " with " + (p.train ? "lines" : "linespoints pt 7 ps 0.6") + " lc " + std::to_string(i + 1) +
                         " title " + quote(runs[i].name));
      }
      if (series.empty()) {
        s << "set label 1 'no data' at graph 0.5,0.5 center\nset xrange [0:1]\nset yrange [0:1]\nplot -1 notitle\n"
          << "unset label 1\nset autoscale x\nset autoscale y\n";
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

void write_attention_layer_plot(const std::string& stem, const std::vector<std::string>& pieces,
                                const AttentionStack& a, int layer, const std::string& title) {
  const int T = a.tokens;
  plot::DataFile data;
  std::vector<int> blocks;
  for (int h = 0; h < a.heads; ++h) {
    Matrix m(static_cast<size_t>(T) * T);
    for (int q = 0; q < T; ++q)
      for (int k = 0; k < T; ++k) m[q * T + k] = a.at(layer, h, q, k);
    blocks.push_back(data.add_block("layer " + std::to_string(layer + 1) + " head " + std::to_string(h + 1),
                                    {"key", "query", "weight"}, matrix_rows(m, T)));
  }
  const int cols = std::min(a.heads, 4);
  const int rows = (a.heads + cols - 1) / cols;
  std::ostringstream s;
  s << "set termoption noenhanced\nset multiplot layout " << rows << "," << cols << " title " << quote(title)
    << "\nset palette defined (0 'white', 1 '#fdae61', 2 '#d7191c', 3 '#542788')\nset size square\n";
  for (int h = 0; h < a.heads; ++h)
    s << heatmap_commands(blocks[h], pieces, "layer " + std::to_string(layer + 1) + ", head " + std::to_string(h + 1));
  s << "unset multiplot\n";
  const int side = std::max(420, std::min(900, 14 * T + 220));
  plot::render(stem, data.text(), s.str(), {cols * side, rows * side + 40});
}

void write_rollout_plot(const std::string& stem, const std::vector<std::string>& pieces, const Matrix& rollout,
                        const std::string& title) {
  const int T = static_cast<int>(pieces.size());
  plot::DataFile data;
  std::vector<std::vector<double>> bars;
  for (int k = 0; k < T; ++k) bars.push_back({static_cast<double>(k), rollout[k]});
  const int bar_block = data.add_block("rollout to [CLS]", {"position", "weight"}, bars);
  const int mat_block = data.add_block("rollout matrix", {"key", "query", "weight"}, matrix_rows(rollout, T));
  std::ostringstream s;
  s << "set termoption noenhanced\nset multiplot layout 1,2 title " << quote(title) << "\n"
    << "set title 'attention rollout to [CLS] (Abnar & Zuidema 2020)'\n"
    << tics("xtics", pieces, "rotate by 60 right font ',8'") << "set xrange [-0.5:" << T - 0.5 << "]\n"
    << "set yrange [0:*]\nset ylabel 'share of [CLS] representation'\nset grid ytics\n"
    << "set style fill solid 0.7 border -1\nset boxwidth 0.8\n"
    << "plot datafile index " << bar_block << " using 1:2 with boxes lc rgb '#4477aa' notitle\n"
    << "unset ylabel\nunset grid\nset size square\n"
    << "set palette defined (0 'white', 1 '#fdae61', 2 '#d7191c', 3 '#542788')\n"
    << heatmap_commands(mat_block, pieces, "rollout matrix (rows: positions at the top layer)") << "unset multiplot\n";
  const int side = std::max(480, std::min(900, 14 * T + 260));
  plot::render(stem, data.text(), s.str(), {2 * side, side});
}

}  // namespace sst::analysis
