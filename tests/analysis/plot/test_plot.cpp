// The gnuplot driver (analysis/plot/plot.cpp): files next to each other, both terminals, clear errors;
// figures rendered to temporaries and renamed only when complete (no temporary left, the kept script
// still draws the final names by hand), a link at a figure's name refused before anything is written,
// and a full disk never leaving a cut figure under its final name.
#include "analysis/plot/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"
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
  EXPECT_EQ(quote("plain"), "'plain'");
  EXPECT_EQ(quote("it's"), "\"it's\"");
  EXPECT_EQ(quote("'"), "\"'\"");  // as '''' gnuplot would draw an empty tic label
  EXPECT_EQ(quote("a'\"b\\"), "\"a'\\\"b\\\\\"");
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
  // All or nothing: the failed figure leaves none of its four files (gnuplot's message is in the error).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 0);
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

const char* kBody = "plot datafile using 1:2 with linespoints title 'y'\n";

size_t entries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AnalysisPlot, NoTemporaryIsLeftAndTheKeptScriptDrawsTheFinalNames) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const TempDir tmp("analysis_plot");
  const fs::path dir = tmp.path();
  render((dir / "fig").string(), "1 1\n2 4\n", kBody);
  EXPECT_EQ(entries(dir), 4u) << "fig.{dat,gp,png,svg} only";
  fs::remove(dir / "fig.png");
  fs::remove(dir / "fig.svg");
  const auto r = test::run_command("cd " + test::sh_quote(dir.string()) + " && gnuplot fig.gp");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(fs::file_size(dir / "fig.png"), 0u);
  EXPECT_GT(fs::file_size(dir / "fig.svg"), 0u);
}

TEST(AnalysisPlot, ALinkAtAFigureIsRefusedBeforeAnythingIsWritten) {
  const TempDir tmp("analysis_plot");
  const fs::path dir = tmp.path();
  test::write_text((dir / "victim").string(), "precious\n");
  fs::create_symlink(dir / "victim", dir / "fig.svg");
  try {
    render((dir / "fig").string(), "1 1\n2 4\n", kBody);
    ADD_FAILURE() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write " + (dir / "fig.svg").string() + ": it is a symbolic link (to " +
                                         (dir / "victim").string() + "); refusing to write through it");
  }
  EXPECT_EQ(read_text(dir / "victim"), "precious\n");
  EXPECT_EQ(entries(dir), 2u) << "nothing written: not even the .dat";
}

TEST(AnalysisPlot, AFullDiskLeavesThePreviousFiguresUnderTheirNames) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  test::Tmpfs disk(512);
  if (!disk.available()) GTEST_SKIP() << disk.why();
  const fs::path dir = disk.path();
  test::write_text((dir / "fig.png").string(), "previous png");
  test::write_text((dir / "fig.svg").string(), "previous svg");
  DataFile data;  // enough points that neither figure fits in what is left
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < 2000; ++i) rows.push_back({double(i), std::sin(i * 0.01) * 1000});
  data.add_block("wave", {"x", "y"}, rows);
  const std::string text = data.text();
  test::write_text((dir / "fig.dat").string(), "previous dat");
  // Room for the .dat and the .gp, not for the figures.
  disk.leave_free_kb(static_cast<int>(text.size() / 1024) + 12);
  try {
    render((dir / "fig").string(), text, kBody);
    ADD_FAILURE() << "expected a UserError (" << disk.free_kb() << " KB free)";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(dir / "fig.png"), "previous png");
  EXPECT_EQ(read_text(dir / "fig.svg"), "previous svg");
  EXPECT_EQ(read_text(dir / "fig.dat"), "previous dat") << "all or nothing: not even the data";
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "left behind: " << e.path();
}

}  // namespace
}  // namespace sst::analysis::plot
