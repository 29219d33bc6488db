#include "analysis/eval/reliability_figure.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/plot/plot.h"

namespace sst::analysis::eval {

void write_reliability_figure(const std::string& stem, const Calibration& c) {
  plot::DataFile data;
  std::vector<std::vector<double>> rows;
  for (const auto& b : c.bins) {
    const bool empty = b.count == 0;
    rows.push_back({(b.lo + b.hi) / 2, empty ? NAN : b.accuracy, b.hi - b.lo, empty ? NAN : b.mean_confidence,
                    static_cast<double>(b.count)});
  }
  const int blk = data.add_block("calibration bins", {"center", "accuracy", "width", "mean_confidence", "count"}, rows);
  const std::string idx = std::to_string(blk);
  // The confidence axis from the first bin that holds examples (a K-class model's confidence is at least
  // 1/K: for two classes the left half would always be empty), to 1.
  double xlo = 0;
  for (const auto& b : c.bins)
    if (b.count > 0) {
      xlo = std::floor(b.lo * 10) / 10;
      break;
    }
  const std::string xrange = "set xrange [" + std::to_string(xlo) + ":1]\n";
  char ece[32];
  std::snprintf(ece, sizeof ece, "%.4f", c.ece);
  std::ostringstream s;
  s << "set multiplot\nset size 1,0.7\nset origin 0,0.3\n"
    << "set title "
    << plot::quote("Reliability diagram (" + std::to_string(c.bins.size()) + " bins, ECE = " + ece + ")") << "\n"
    << xrange << "set yrange [0:1]\nset ylabel 'accuracy'\nset key top left\nset grid\n"
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

}  // namespace sst::analysis::eval
