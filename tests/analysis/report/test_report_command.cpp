// `sst-analyze report` end to end (analysis/report/report_command.cpp): a run report from a tiny
// checkpoint trained from the real SST-2 (skipped without SST2_DIR), and reports of a fabricated sweep (one
// whose law is not identified gives no prediction of its held-out runs).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::report {
namespace {

using namespace fixtures;

class AnalysisReportCli : public TinyRun {};

TEST_F(AnalysisReportCli, RunReportIsSelfContained) {
  const std::string o = out("report");
  const auto r = run_command(analyze() + " report " + sh_quote(run_) + " --data " + sh_quote(data_) +
                             " --threads 1 --output " + sh_quote(o));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = read_text(o + "/report.html");
  EXPECT_GE(lines(html), 10u);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(html.find("src=\"curves/"), std::string::npos);
  const std::string md = read_text(o + "/report.md");
  for (const char* want :
       {"## Summary", "## Training curves", "reliability", "## Attention example", "Accuracy by slice"})
    EXPECT_NE(md.find(want), std::string::npos) << want;
}

// The option table refuses a bad value before anything is read: a usage error in one line naming it.
TEST(AnalysisReportCliNoData, OptionTableRefusesBadValues) {
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"--bootstrap -1", "--bootstrap = -1: must be >= 0"}, {"--threads -2", "--threads = -2: must be >= 0"}}) {
    const auto r = run_command(analyze() + " report /nonexistent --output /nonexistent/o " + args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output, "sst-analyze report: error: " + message + " (see sst-analyze report --help)\n");
  }
}

TEST(AnalysisReportCliNoData, SweepReportAndNotARun) {
  const TempDir d("analysis_report");
  const fs::path sweep = write_sweep(fs::path(d.path()) / "sweep");
  auto r = run_command(analyze() + " report " + sh_quote(sweep.string()) + " --output " + sh_quote(d / "report"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = read_text(d / "report/report.md");
  EXPECT_NE(md.find("## Sweep table"), std::string::npos);
  EXPECT_NE(md.find("## Training curves"), std::string::npos);
  EXPECT_NE(md.find("## Scaling laws"), std::string::npos);
  // Finished runs are fitted, early_stopped ones included (8 of the 9: one failed), with D = train_tokens.
  EXPECT_NE(md.find("8 finished runs (completed or early_stopped) fitted"), std::string::npos) << md;
  EXPECT_NE(md.find("D = train_tokens"), std::string::npos) << md;
  EXPECT_NE(md.find("Identifiability of the parametric law: "), std::string::npos) << md;
  EXPECT_NE(md.find("Allocation exponents"), std::string::npos) << md;
  EXPECT_EQ(md.find("nan"), std::string::npos) << md;
  // Tables at 3-4 significant digits: no long digit runs (sweep.csv keeps 17).
  EXPECT_FALSE(std::regex_search(md, std::regex("[0-9]\\.[0-9]{6,}"))) << md;
  EXPECT_NE(read_text(d / "report/report.html").find("data:image/png;base64,"), std::string::npos);

  r = run_command(analyze() + " report " + sh_quote(d / "nothing") + " --output " + sh_quote(d / "r2"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(d / "r2/report.md"));
}

// The fabricated sweep with losses that do not depend on N (0.45 + 30 / D^0.4): no law in N and D is
// identified, so the report gives none of its values (no table of E, A, B, alpha, beta; no allocation
// exponent) and lists the held-out runs of the largest N with their observed loss and no prediction.
TEST(AnalysisReportCliNoData, ALawNotIdentifiedGivesNoValueAndPredictsNoHeldOutRun) {
  const TempDir d("analysis_report_holdout");
  const fs::path sweep = write_sweep(fs::path(d.path()) / "sweep");
  std::istringstream in(read_text(sweep / "sweep.csv"));
  std::string csv, line;
  std::getline(in, csv);
  csv += "\n";
  while (std::getline(in, line)) {  // best_dev_loss (the 9th column) from train_tokens (the 6th) alone
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string c; std::getline(row, c, ',');) cells.push_back(c);
    cells[8] = std::to_string(0.45 + 30 / std::pow(std::stod(cells[5]), 0.4));
    for (size_t k = 0; k < cells.size(); ++k) csv += (k ? "," : "") + cells[k];
    csv += "\n";
  }
  test::write_text((sweep / "sweep.csv").string(), csv);
  const auto r = run_command(analyze() + " report " + sh_quote(sweep.string()) + " --output " + sh_quote(d / "report") +
                             " --bootstrap 20 --holdout 'non_embedding_params==max'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = read_text(d / "report/report.md");
  EXPECT_NE(md.find("Identifiability of the parametric law: not identified"), std::string::npos) << md;
  EXPECT_NE(md.find("not identified, so no values are given"), std::string::npos) << md;
  EXPECT_EQ(md.find("parameter of E + A/N^alpha"), std::string::npos) << "no table of the law's values: " << md;
  const size_t approaches = md.find("| 3: parametric, E + A/N^alpha + B/D^beta |");
  ASSERT_NE(approaches, std::string::npos) << md;
  const std::string row = md.substr(approaches, md.find('\n', approaches) - approaches);
  EXPECT_EQ(row.find("n/a"), std::string::npos) << row;
  EXPECT_NE(row.find("| not given | not given |"), std::string::npos) << row;
  const size_t at = md.find("### Held-out runs (non_embedding_params==max)");
  ASSERT_NE(at, std::string::npos) << md;
  const std::string held = md.substr(at, md.find("Which N", at) - at);
  EXPECT_NE(held.find("None predicted: the law is not identified: "), std::string::npos) << held;
  for (const char* word : {"predicted |", "prediction interval", "error", "%"})
    EXPECT_EQ(held.find(word), std::string::npos) << word << " in " << held;
}

}  // namespace
}  // namespace sst::analysis::report
