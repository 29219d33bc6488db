// The whole fit as one call (analysis/fit/fit_run.cpp: run_fit): every approach in its row, what was fitted
// and left out described, fit.json exactly the returned report, the figures written with it, the summary
// printed; --exclude-top-k recorded with the CSV line of each run it left out; bad input writes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "analysis/fit/fit_command.h"
#include "common/error.h"
#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
namespace fit = sst::analysis::fit;
namespace fixtures = sst::analysis::fixtures;
using sst::test::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

fit::FitCommandOptions options(const TempDir& dir) {
  fit::FitCommandOptions o;
  o.input = (fixtures::write_sweep(dir / "sweep") / "sweep.csv").string();
  o.output = dir / "out";
  o.bootstrap.samples = 20;
  o.plots = false;
  return o;
}

}  // namespace

TEST(AnalysisFitRun, FitJsonIsTheReportReturnedAndEveryApproachHasItsRow) {
  TempDir dir("fit-run");
  const auto o = options(dir);
  std::ostringstream out;
  const fit::FitReport r = fit::run_fit(o, out);
  EXPECT_EQ(sst::test::read_json(dir / "out/fit.json"), fit::to_json(r));
  EXPECT_EQ(r.input, o.input);
  EXPECT_EQ(r.runs.rows, 9u);
  EXPECT_EQ(r.runs.finished, 8u);
  EXPECT_EQ(r.runs.fitted, 8u);
  EXPECT_EQ(r.runs.left_out_unfinished.at("failed"), 1u);
  EXPECT_EQ(r.n_points, 8u);
  ASSERT_GE(r.approaches.size(), 3u);
  EXPECT_THAT(r.approaches[0].approach, StartsWith("1: "));
  EXPECT_THAT(r.approaches[1].approach, StartsWith("2: "));
  EXPECT_THAT(r.approaches[2].approach, StartsWith("3: parametric"));
  EXPECT_TRUE(r.approaches[1].skipped);  // not a budget sweep
  EXPECT_TRUE(r.plots.empty());
  EXPECT_THAT(out.str(), StartsWith("fit: 8 runs from " + o.input));
  EXPECT_THAT(out.str(), HasSubstr("  wrote " + dir / "out/fit.json" + "\n"));
}

TEST(AnalysisFitRun, ExcludedRunsAreRecordedWithTheirLine) {
  TempDir dir("fit-run");
  auto o = options(dir);
  o.exclude_top_k = 1;
  std::ostringstream out;
  const fit::FitReport r = fit::run_fit(o, out);
  EXPECT_EQ(r.n_input_points, 8u);
  EXPECT_EQ(r.n_points, 7u);
  ASSERT_EQ(r.excluded.size(), 1u);
  // The highest loss is the smallest run on the least data: r0, on line 2 of sweep.csv.
  EXPECT_EQ(r.excluded[0].line, 2u);
  EXPECT_EQ(r.excluded[0].params, 1e5);
  EXPECT_EQ(r.excluded[0].tokens, 1e6);
}

TEST(AnalysisFitRun, FiguresAreWrittenWithFitJson) {
  TempDir dir("fit-run");
  auto o = options(dir);
  o.plots = true;
  std::ostringstream out;
  const fit::FitReport r = fit::run_fit(o, out);
  ASSERT_FALSE(r.plots.empty());
  for (const auto& stem : r.plots) EXPECT_TRUE(fs::exists(dir / "out/" + stem + ".png")) << stem;
  EXPECT_THAT(out.str(), HasSubstr(" figures (.png, .svg; .dat/.gp to restyle)\n"));
}

TEST(AnalysisFitRun, BadInputWritesNothing) {
  TempDir dir("fit-run");
  auto o = options(dir);
  sst::test::write_text(o.input, "params,tokens,loss\n1e5,1e6,-2\n");
  fs::create_directories(o.output);
  sst::test::write_text(o.output + "/fit.json", "{\"an\": \"earlier fit\"}\n");
  std::ostringstream out;
  EXPECT_THROW(fit::run_fit(o, out), sst::UserError);
  EXPECT_EQ(sst::test::read_text(o.output + "/fit.json"), "{\"an\": \"earlier fit\"}\n");
  EXPECT_EQ(out.str(), "");
}
