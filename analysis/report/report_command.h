// `sst-analyze report`: one report.md and one self-contained report.html for a run directory (summary,
// curves, evaluation of best.pt on dev, reliability diagram, attention example) or a sweep directory
// (sweep table, scaling-law fit, curves of every run). Pieces are produced by the other subcommands'
// functions into subdirectories of OUTPUT (curves/, evaluation/, attention/, fit/).
#pragma once
#include <iosfwd>
#include <string>

#include "analysis/report/report_doc.h"

namespace sst::analysis::report {

struct ReportOptions {
  std::string input;  // RUN_DIR or SWEEP_DIR
  std::string output;
  std::string data;  // FILE.h5 for the evaluation; default: the run's data.path if it exists
  std::string sentence = "the acting is n't bad , but the story never comes together .";
  int threads = 0;
  std::string holdout;     // sweep reports: `fit --holdout EXPR`
  size_t bootstrap = 100;  // sweep reports: bootstrap resamples of the fit
};

// Sections (report_sections.cpp). Each appends to `doc`; problems with optional parts become notes.
void add_run_sections(ReportDoc& doc, const ReportOptions& o, std::ostream& out);
void add_sweep_sections(ReportDoc& doc, const ReportOptions& o, std::ostream& out);

void run_report(const ReportOptions& o, std::ostream& out);
int report_main(int argc, char** argv);
extern const char* const kReportSummary;

}  // namespace sst::analysis::report
