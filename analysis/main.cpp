// sst-analyze: the offline analysis binary, a dispatcher over subcommands (`sst-analyze <subcommand> ...`).
// Each subcommand parses its own options (Boost.Program_options) and has its own --help.
// Exit status: 0 success, 1 a problem with the data or environment, 2 a usage error.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "ablations_command.h"
#include "attention_command.h"
#include "common/error.h"
#include "curves_command.h"
#include "evaluate_command.h"
#include "predict_command.h"
#include "report_command.h"
#ifdef SST_HAVE_FIT
#include "fit_command.h"
#endif

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);  // argv[0] is the subcommand name
};

// To add a subcommand: link its library in analysis/CMakeLists.txt and add a row here.
const std::vector<Subcommand> kSubcommands = {
#ifdef SST_HAVE_FIT
    {"fit", sst::fit::kFitSummary, &sst::fit::fit_main},
#endif
    {"evaluate", sst::analysis::kEvaluateSummary, &sst::analysis::evaluate_main},
    {"predict", sst::analysis::kPredictSummary, &sst::analysis::predict_main},
    {"attention", sst::analysis::kAttentionSummary, &sst::analysis::attention_main},
    {"curves", sst::analysis::kCurvesSummary, &sst::analysis::curves_main},
    {"ablations", sst::analysis::kAblationsSummary, &sst::analysis::ablations_main},
    {"report", sst::analysis::kReportSummary, &sst::analysis::report_main},
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
      std::cerr << prefix << "unexpected failure: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "sst-analyze: error: unknown subcommand '" << cmd << "'\n\n";
  usage(std::cerr);
  return 2;
}
