// The curves figures (analysis/runs/curves_figures.h) of fabricated runs, one of them without points yet.
#include "analysis/runs/curves_figures.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/plot/plot.h"
#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;

namespace sst::analysis::runs {
namespace {

TEST(AnalysisCurvesFigures, OneSeriesPerRunNamedInTheLegend) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const test::TempDir tmp("analysis_curves");
  const fs::path d = tmp.path();
  fixtures::write_run(d / "runs" / "a", {"0.002", 1, 0.8, 0.45});
  fixtures::write_run(d / "runs" / "b", {"0.001", 1, 0.7, 0.55});
  test::write_text(d / "runs" / "c" / "metrics.jsonl", "");  // no points yet: must not break the figure
  const std::vector<runs::Run> runs = load_runs({(d / "runs").string()});
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(write_curves_figures((d / "out").string(), runs),
            (std::vector<std::string>{"curves_steps", "curves_tokens"}));
  fixtures::expect_figure(d / "out" / "curves_steps");
  fixtures::expect_figure(d / "out" / "curves_tokens");
  const std::string gp = test::read_text(d / "out" / "curves_steps.gp");
  EXPECT_NE(gp.find("title 'a'"), std::string::npos);
  EXPECT_NE(gp.find("title 'b'"), std::string::npos);
  // Log axes where the curves span decades, and one key outside the panels (not over the data).
  EXPECT_NE(gp.find("set logscale x"), std::string::npos);
  EXPECT_NE(gp.find("set logscale y"), std::string::npos);
  EXPECT_NE(gp.find("set key at screen"), std::string::npos);
  EXPECT_EQ(gp.find("set key top right"), std::string::npos);
}

TEST(AnalysisCurvesFigures, ManyRunsHaveNoKeyButSaySoWhere) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const test::TempDir tmp("analysis_curves");
  const fs::path d = tmp.path();
  for (int i = 0; i < 20; ++i) fixtures::write_run(d / "runs" / ("r" + std::to_string(i)), {"0.001", 1, 0.7, 0.5});
  const std::vector<runs::Run> runs = load_runs({(d / "runs").string()});
  write_curves_figures((d / "out").string(), runs);
  fixtures::expect_figure(d / "out" / "curves_tokens");
  const std::string gp = test::read_text(d / "out" / "curves_tokens.gp");
  EXPECT_EQ(gp.find("set key at screen"), std::string::npos);
  EXPECT_NE(gp.find("20 runs (names in curves.json)"), std::string::npos);
}

}  // namespace
}  // namespace sst::analysis::runs
