#include "analysis/runs/curves_command.h"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

#include "analysis/cli/options.h"
#include "analysis/runs/curves_figures.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::runs {

const char* const kCurvesSummary = "loss and dev accuracy vs steps and tokens, several runs overlaid";

json run_curves(const std::vector<Run>& runs, const std::string& output, std::ostream& out) {
  if (runs.empty()) throw UserError("curves: no runs");
  ensure_output_dir(output);
  json j{{"runs", json::array()}};
  for (const auto& r : runs) {
    json e{{"name", r.name}, {"dir", r.dir}, {"train_points", r.train.size()}, {"eval_points", r.evals.size()}};
    if (!r.train.empty()) e["final_train_loss"] = r.train.back().loss;
    double acc = 0, loss = 0;
    if (best_dev(r, acc, loss)) {
      e["best_dev_acc"] = acc;
      e["best_dev_loss"] = loss;
    }
    j["runs"].push_back(e);
  }
  j["figures"] = write_curves_figures(output, runs);
  const std::string path = (fs::path(output) / "curves.json").string();
  write_text_atomically(path, j.dump(2) + "\n");
  out << "curves: " << runs.size() << " run(s); wrote " << (fs::path(output) / "curves_steps").string()
      << ".{png,svg}, curves_tokens.{png,svg} and curves.json\n";
  return j;
}

int curves_main(int argc, char** argv) {
  std::vector<std::string> dirs;
  std::string output = "curves_out";
  const std::string usage =
      "Usage: sst-analyze curves RUN_DIR ... [--output DIR]\n\n"
      "Plots training loss, dev loss and dev accuracy from each RUN_DIR/metrics.jsonl against optimizer steps\n"
      "(OUTPUT/curves_steps.{png,svg}) and against tokens processed (curves_tokens.{png,svg}), one colour per\n"
      "run, the legend naming each run by its directory. A directory that is not a run (e.g. a sweep) stands\n"
      "for the runs below it.\n\nOptions";
  OptionTable t("", "--");
  cli::add_output_option(t, output);
  const auto check = [&](const po::variables_map&) {
    if (dirs.empty()) throw po::error("give at least one RUN_DIR");
  };
  if (auto exit = cli::parse_subcommand_options("curves", argc, argv, usage, t, cli::Positional{"run", &dirs}, check))
    return *exit;
  run_curves(load_runs(dirs), output, std::cout);
  return 0;
}

}  // namespace sst::analysis::runs
