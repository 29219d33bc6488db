// The reliability diagram (analysis/eval/reliability_figure.h), with an empty bin.
#include "analysis/eval/reliability_figure.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/plot/plot.h"
#include "tests/analysis/fixtures.h"

namespace sst::analysis::eval {
namespace {

TEST(AnalysisReliabilityFigure, FilesAreWritten) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const test::TempDir tmp("analysis_reliability");
  Calibration c;
  c.bins = {{0.5, 0.75, 3, 0.6, 0.66}, {0.75, 1.0, 0, 0, 0}};
  c.ece = 0.05;
  write_reliability_figure(tmp / "reliability", c);
  fixtures::expect_figure(std::filesystem::path(tmp.path()) / "reliability");
}

}  // namespace
}  // namespace sst::analysis::eval
