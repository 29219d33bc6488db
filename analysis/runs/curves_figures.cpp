#include "analysis/runs/curves_figures.h"

#include <filesystem>
#include <sstream>

#include "analysis/plot/plot.h"
#include "common/files.h"

namespace sst::analysis::runs {

std::vector<std::string> write_curves_figures(const std::string& dir, const std::vector<Run>& runs) {
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
      << "set xlabel " << plot::quote(by_tokens ? "tokens processed" : "step") << "\n";
    if (by_tokens) s << "set format x '%.1s%c'\n";
    for (const auto& p : panels) {
      s << "set title " << plot::quote(std::string(p.title) + (by_tokens ? " vs tokens" : " vs step")) << "\n"
        << "set ylabel " << plot::quote(p.ylabel) << "\n";
      std::vector<std::string> series;
      for (size_t i = 0; i < runs.size(); ++i) {
        const bool has = p.train ? !runs[i].train.empty() : !runs[i].evals.empty();
        if (!has) continue;  // an all-NaN series would make gnuplot stop ("all points undefined")
        const int blk = p.train ? train_blocks[i] : eval_blocks[i];
        series.push_back("datafile index " + std::to_string(blk) + " using " + xcol + ":" + std::to_string(p.column) +
                         " with " + (p.train ? "lines" : "linespoints pt 7 ps 0.6") + " lc " + std::to_string(i + 1) +
                         " title " + plot::quote(runs[i].name));
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

}  // namespace sst::analysis::runs
