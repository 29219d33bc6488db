#include "analysis/report/report_command.h"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

#include "analysis/cli/options.h"
#include "analysis/plot/plot.h"
#include "analysis/runs/runs.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"
#include "sweep/sweep.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace sst::analysis::report {

const char* const kReportSummary = "report.md + self-contained report.html for a run or a sweep directory";

void run_report(const ReportOptions& o, std::ostream& out) {
  if (!fs::is_directory(o.input)) throw UserError(o.input + ": not a directory");
  if (!plot::gnuplot_available())
    throw UserError("gnuplot not found on PATH (install gnuplot-nox): report needs figures");
  const bool is_sweep = fs::exists(fs::path(o.input) / sweep::kCsvName);
  if (!is_sweep && !runs::is_run_dir(o.input))
    throw UserError(o.input + ": neither a run directory (metrics.jsonl, summary.json) nor a sweep (sweep.csv)");
  ensure_output_dir(o.output);
  ReportDoc doc;
  const std::string name = fs::path(o.input).lexically_normal().filename().string();
  const std::string title = (is_sweep ? "Sweep report: " : "Run report: ") + name;
  doc.heading(1, title);
  doc.paragraph("Source: " + fs::absolute(o.input).lexically_normal().string());
  if (is_sweep)
    add_sweep_sections(doc, o, out);
  else
    add_run_sections(doc, o, out);
  // Both pages are built in memory first; only then written, each atomically.
  const std::string html = doc.html(o.output, title);
  const std::string md = doc.markdown();
  write_text_atomically((fs::path(o.output) / "report.md").string(), md);
  write_text_atomically((fs::path(o.output) / "report.html").string(), html);
  out << "report: wrote " << (fs::path(o.output) / "report.md").string() << " and report.html (" << html.size() / 1024
      << " KiB, figures embedded)\n";
}

int report_main(int argc, char** argv) {
  ReportOptions o;
  long long bootstrap = 100;  // signed: program_options would wrap "-1" into a huge unsigned value
  const std::string usage =
      "Usage: sst-analyze report RUN_DIR|SWEEP_DIR --output DIR [--data FILE.h5]\n\n"
      "Assembles OUTPUT/report.md and a self-contained OUTPUT/report.html (figures embedded as base64 PNG).\n"
      "For a run: summary, curves, evaluation of checkpoints/best.pt on the dev split (of --data, or of the\n"
      "run's data.path if that file exists), reliability diagram and an attention example. For a sweep\n"
      "(a directory with sweep.csv): the sweep table, the scaling laws of its finished runs (as `fit` does:\n"
      "every approach, the identifiability verdict, --holdout predictions) and the curves of every run. The pieces are "
      "kept in OUTPUT/{curves,evaluation,attention,fit}/.\n\nOptions";
  OptionTable t("", "--");
  t.add_required("output", o.output, "DIR", "output directory");
  t.add("data", o.data, "dataset for the evaluation (run reports)", {}, Resume::kMayChange, "FILE.h5");
  t.add("sentence", o.sentence, "sentence for the attention example", {}, Resume::kMayChange, "TEXT");
  cli::add_threads_option(t, o.threads);
  t.add("holdout", o.holdout, "sweeps: runs left out of the fit and predicted (as `fit --holdout`)", {},
        Resume::kMayChange, "EXPR");
  t.add("bootstrap", bootstrap, "sweeps: bootstrap resamples for the fit's intervals", at_least(0), Resume::kMayChange,
        "N");
  std::vector<std::string> inputs;
  const auto check = [&](const po::variables_map&) {
    o.bootstrap = static_cast<size_t>(bootstrap);
    if (inputs.empty()) throw po::error("give a RUN_DIR or SWEEP_DIR");
    o.input = inputs[0];
  };
  if (auto exit =
          cli::parse_subcommand_options("report", argc, argv, usage, t, cli::Positional{"input", &inputs, 1}, check))
    return *exit;
  run_report(o, std::cout);
  return 0;
}

}  // namespace sst::analysis::report
