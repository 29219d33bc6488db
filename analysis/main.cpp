// sst-analyze: the offline analysis binary, a dispatcher over subcommands (`sst-analyze <subcommand> ...`).
// Each subcommand parses its own options (Boost.Program_options, through cli/options.h) and has its own
// --help. Exit status: 0 success, 1 a problem with the data or environment, 2 a usage error.
//
// The code is grouped by job, one folder (one library, one namespace sst::analysis::<folder>) each:
//   cli/        what every subcommand shares: option parsing, TSV/Markdown table cells
//   plot/       the gnuplot driver
//   fit/        `fit`: CSV input, the scaling-law fit and its analysis, the figures (Ceres; optional)
//   runs/       run directories, `curves`, `ablations` and `branches`
//   model/      a checkpoint loaded for inference, its tokenizer (the only LibTorch/SentencePiece code)
//   eval/       `evaluate` and `predict`: metrics, calibration, slices, the reliability diagram
//   attention/  `attention`: rollout and heat maps
//   report/     `report`: a run or a sweep as one page, from the functions of the others
// main.cpp stays here, outside every group: it only names each subcommand's entry point.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "analysis/attention/attention_command.h"
#include "analysis/eval/evaluate_command.h"
#include "analysis/eval/predict_command.h"
#include "analysis/report/report_command.h"
#include "analysis/runs/ablations_command.h"
#include "analysis/runs/branches_command.h"
#include "analysis/runs/curves_command.h"
#include "common/error.h"
#ifdef SST_HAVE_FIT
#include "analysis/fit/fit_command.h"
#endif

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);  // argv[0] is the subcommand name
};

// To add a subcommand: link its library in analysis/CMakeLists.txt and add a row here.
namespace analysis = sst::analysis;
const std::vector<Subcommand> kSubcommands = {
#ifdef SST_HAVE_FIT
    {"fit", analysis::fit::kFitSummary, &analysis::fit::fit_main},
#endif
    {"evaluate", analysis::eval::kEvaluateSummary, &analysis::eval::evaluate_main},
    {"predict", analysis::eval::kPredictSummary, &analysis::eval::predict_main},
    {"attention", analysis::attention::kAttentionSummary, &analysis::attention::attention_main},
    {"curves", analysis::runs::kCurvesSummary, &analysis::runs::curves_main},
    {"ablations", analysis::runs::kAblationsSummary, &analysis::runs::ablations_main},
    {"branches", analysis::runs::kBranchesSummary, &analysis::runs::branches_main},
    {"report", analysis::report::kReportSummary, &analysis::report::report_main},
};

void usage(std::ostream& out) {
  out << "Usage: sst-analyze <subcommand> [options]\n\n"
         "Offline analysis of sst-train runs. `sst-analyze <subcommand> --help` describes each one.\n\n"
         "Subcommands:\n";
  for (const auto& s : kSubcommands)
    out << "  " << s.name << std::string(12 - std::strlen(s.name), ' ') << s.summary << "\n";
  if (kSubcommands.empty()) out << "  (none: this build has no analysis subcommands)\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  for (const auto& s : kSubcommands) {
    if (cmd != s.name) continue;
    const std::string prefix = std::string("sst-analyze ") + s.name + ": error: ";
    try {
      return s.main(argc - 1, argv + 1);
    } catch (const sst::UserError& e) {
      std::cerr << prefix << e.what() << "\n";
      return 1;
    } catch (const std::exception& e) {
      // Not expected: a bug or a library failure. Still one line; outputs are written atomically.
      std::cerr << prefix << "unexpected failure: " << sst::printable_message(e.what()) << "\n";
      return 1;
    }
  }
  std::cerr << "sst-analyze: error: unknown subcommand '" << cmd << "'\n\n";
  usage(std::cerr);
  return 2;
}
