// The sections of `sst-analyze report` (analysis/report/report_sections.cpp) on fabricated runs and sweeps, no
// SST-2: a run's summary table and curves, and a note in place of the evaluation when there is no best.pt; a
// sweep's table at 4 significant digits; the scaling-law fit when six or more runs finished (its verdict and
// allocation table, never "nan"), a note saying why not otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "analysis/report/report_command.h"
#include "tests/analysis/fixtures.h"

namespace fixtures = sst::analysis::fixtures;
namespace report = sst::analysis::report;
using sst::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

std::string run_markdown(const std::string& input, const std::string& output, bool sweep) {
  report::ReportOptions o;
  o.input = input;
  o.output = output;
  o.bootstrap = 20;
  report::ReportDoc doc;
  std::ostringstream out;
  if (sweep)
    report::add_sweep_sections(doc, o, out);
  else
    report::add_run_sections(doc, o, out);
  return doc.markdown();
}

// `count` rows of sweep.csv marked `status` instead of completed, from the first.
void mark_unfinished(const std::string& csv, int count, const std::string& status) {
  std::string text = sst::test::read_text(csv);
  for (int k = 0; k < count; ++k) text.replace(text.find(",completed\n"), 11, "," + status + "\n");
  sst::test::write_text(csv, text);
}

}  // namespace

TEST(AnalysisReportSections, ARunWithoutBestPtGetsItsSummaryCurvesAndANote) {
  TempDir dir("report");
  fixtures::write_run(dir / "run", {});
  const std::string md = run_markdown(dir / "run", dir / "out", false);
  EXPECT_THAT(md, HasSubstr("## Summary"));
  EXPECT_THAT(md, HasSubstr("| best_dev_loss | 0.45 |"));
  EXPECT_THAT(md, HasSubstr("## Training curves"));
  EXPECT_THAT(md, HasSubstr("](curves/"));
  EXPECT_THAT(md, HasSubstr("Skipped: " + dir / "run" + "/checkpoints/best.pt does not exist."));
  fixtures::FakeRun running;
  running.summary = false;
  fixtures::write_run(dir / "running", running);
  EXPECT_THAT(run_markdown(dir / "running", dir / "out2", false),
              HasSubstr("No summary.json (the run may still be running or have failed)."));
}

TEST(AnalysisReportSections, FewerThanSixFinishedRunsAreTabledButNotFitted) {
  TempDir dir("report");
  const auto sweep = fixtures::write_sweep(dir / "sweep");
  mark_unfinished((sweep / "sweep.csv").string(), 3, "running");  // 8 finished -> 5
  const std::string md = run_markdown(sweep.string(), dir / "out", true);
  EXPECT_THAT(md, HasSubstr("## Sweep table"));
  EXPECT_THAT(md, HasSubstr("| run | model | N (non-emb.) | N (total) | fraction | D (unique) | best dev loss |"));
  EXPECT_THAT(md, HasSubstr("| r0 | m | 1e+05 | 1e+05 | 1 | 1e+06 |"));
  EXPECT_THAT(md, HasSubstr("Skipped: 5 finished runs (completed or early_stopped); the parametric law has 5 "
                            "parameters, so at least 6 are needed."));
  EXPECT_THAT(md, Not(HasSubstr("Identifiability")));
}

TEST(AnalysisReportSections, ASweepOfEightFinishedRunsIsFitted) {
  TempDir dir("report");
  const auto sweep = fixtures::write_sweep(dir / "sweep");
  const std::string md = run_markdown(sweep.string(), dir / "out", true);
  EXPECT_THAT(md, HasSubstr("8 finished runs (completed or early_stopped) fitted; details in fit/fit.json."));
  EXPECT_THAT(md, HasSubstr("Identifiability of the parametric law: "));
  EXPECT_THAT(md, HasSubstr("### Allocation exponents: N_opt ∝ C^a, D_opt ∝ C^b"));
  EXPECT_THAT(md, HasSubstr("| 2: IsoFLOP profiles | skipped |"));  // not a budget sweep
  EXPECT_THAT(md, HasSubstr("](fit/"));
  EXPECT_THAT(md, Not(HasSubstr(" nan")));  // (a temporary folder's name may hold the letters)
}
