#include "analysis/attention/attention_figures.h"

#include <algorithm>
#include <sstream>

#include "analysis/plot/plot.h"

namespace sst::analysis::attention {
namespace {

using plot::quote;

// `set xtics ('a' 0, 'b' 1, ...)`: token pieces as tick labels.
std::string tics(const char* axis, const std::vector<std::string>& labels, const std::string& extra) {
  std::ostringstream s;
  s << "set " << axis << " (";
  for (size_t i = 0; i < labels.size(); ++i) s << (i ? ", " : "") << quote(labels[i]) << " " << i;
  s << ") " << extra << "\n";
  return s.str();
}

// Heat map of a T x T matrix (x = key, y = query, query 0 on top), coloured over [0, cbmax] so that
// several maps of one figure share one scale (cbmax <= 0: the map's own maximum).
std::string heatmap_commands(int block, const std::vector<std::string>& pieces, const std::string& title,
                             double cbmax = 0) {
  const int T = static_cast<int>(pieces.size());
  std::ostringstream s;
  s << "set title " << quote(title) << "\n"
    << tics("xtics", pieces, "rotate by 60 right font ',8'") << tics("ytics", pieces, "font ',8'")
    << "set xrange [-0.5:" << T - 0.5 << "]\nset yrange [" << T - 0.5
    << ":-0.5]\nset cbrange [0:" << (cbmax > 0 ? std::to_string(cbmax) : std::string("*")) << "]\n"
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

void write_attention_layer_figure(const std::string& stem, const std::vector<std::string>& pieces,
                                  const AttentionStack& a, int layer, const std::string& title) {
  const int T = a.tokens;
  plot::DataFile data;
  std::vector<int> blocks;
  for (int h = 0; h < a.heads; ++h)
    blocks.push_back(data.add_block("layer " + std::to_string(layer + 1) + " head " + std::to_string(h + 1),
                                    {"key", "query", "weight"}, matrix_rows(head_weights(a, layer, h), T)));
  // One colour scale for every head of the layer: a head's weights compare with its neighbours'.
  double cbmax = 0;
  for (int h = 0; h < a.heads; ++h)
    for (double w : head_weights(a, layer, h)) cbmax = std::max(cbmax, w);
  const int cols = std::min(a.heads, 4);
  const int rows = (a.heads + cols - 1) / cols;
  std::ostringstream s;
  s << "set termoption noenhanced\nset multiplot layout " << rows << "," << cols << " title " << quote(title)
    << "\nset palette defined (0 'white', 1 '#fdae61', 2 '#d7191c', 3 '#542788')\nset size square\n";
  for (int h = 0; h < a.heads; ++h)
    s << heatmap_commands(blocks[h], pieces, "layer " + std::to_string(layer + 1) + ", head " + std::to_string(h + 1),
                          cbmax);
  s << "unset multiplot\n";
  const int side = std::max(420, std::min(900, 14 * T + 220));
  plot::render(stem, data.text(), s.str(), {cols * side, rows * side + 40});
}

void write_rollout_figure(const std::string& stem, const std::vector<std::string>& pieces, const Matrix& rollout,
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

}  // namespace sst::analysis::attention
