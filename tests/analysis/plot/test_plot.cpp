// The gnuplot driver (analysis/plot/plot.cpp): files next to each other, both terminals, clear errors.
#include "analysis/plot/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace sst::analysis::plot {
namespace {

using test::read_text;
using test::TempDir;

TEST(AnalysisPlot, DataFileBlocksAreIndexed) {
  DataFile f;
  EXPECT_EQ(f.add_block("first", {"x", "y"}, {{1, 2}, {3, NAN}}), 0);
  EXPECT_EQ(f.add_block("empty", {"x", "y"}, {}), 1);
  EXPECT_EQ(f.blocks(), 2);
  EXPECT_EQ(f.text(), "# [0] first\n# x y\n1 2\n3 NaN\n\n\n# [1] empty\n# x y\nNaN NaN\n");
  EXPECT_EQ(quote("it's"), "'it''s'");
}

TEST(AnalysisPlot, RendersPngAndSvgNextToDataAndScript) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const TempDir tmp("analysis_plot");
  const fs::path dir = tmp.path();
  DataFile data;
  const int b = data.add_block("line", {"x", "y"}, {{1, 1}, {10, 100}, {100, 1e4}});
  const std::string body =
      "set title 'test'\nset xlabel 'x (units)'\nset ylabel 'y (units)'\nset logscale xy\n"
      "plot datafile index " +
      std::to_string(b) + " using 1:2 with linespoints title 'y = x^2'\n";
  render((dir / "fig").string(), data.text(), body);
  for (const char* ext : {".dat", ".gp", ".png", ".svg"}) {
    ASSERT_TRUE(fs::exists(dir / ("fig" + std::string(ext)))) << ext;
    EXPECT_GT(fs::file_size(dir / ("fig" + std::string(ext))), 0u) << ext;
  }
  EXPECT_EQ(read_text(dir / "fig.png").substr(1, 3), "PNG");
  EXPECT_NE(read_text(dir / "fig.svg").find("<svg"), std::string::npos);
  const std::string gp = read_text(dir / "fig.gp");
  EXPECT_NE(gp.find("datafile = 'fig.dat'"), std::string::npos);  // relative: the folder can be moved
  EXPECT_NE(gp.find("set terminal pngcairo"), std::string::npos);
  EXPECT_NE(gp.find("set terminal svg"), std::string::npos);
}

TEST(AnalysisPlot, GnuplotFailureIsAUserError) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const TempDir tmp("analysis_plot");
  const fs::path dir = tmp.path();
  try {
    render((dir / "bad").string(), "1 2\n", "plot datafile using 1:2 with nonsense_style\n");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot failed on " + (dir / "bad.gp").string()), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::exists(dir / "bad.gp"));  // kept so the user can see what failed
}

TEST(AnalysisPlot, MissingGnuplotIsAUserError) {
  const TempDir tmp("analysis_plot");
  const fs::path dir = tmp.path();
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", dir.c_str(), 1);  // an empty directory: no gnuplot
  EXPECT_FALSE(gnuplot_available());
  try {
    render((dir / "fig").string(), "1 2\n", "plot datafile using 1:2\n");
    ADD_FAILURE() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot not found on PATH"), std::string::npos) << e.what();
  }
  ::setenv("PATH", saved.c_str(), 1);
}

}  // namespace
}  // namespace sst::analysis::plot
