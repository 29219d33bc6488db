// The figures of `sst-analyze fit` (analysis/fit/law_figures.cpp, approach_figures.cpp, figure_marks.cpp), through the
// built binary on synthetic N, D, L tables: repeated (N, D) drawn as the seeds' mean with an error bar over the faint
// seeds, sizes coloured light to dark by N and data sizes by marker, keys outside the data, the verdict and the law
// written on each figure (the verdict and reasons only, no parameter, for a law that is not identified), and
// the residuals against N and D, coloured by N and marked by D.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "tests/analysis/fit/synthetic.h"

namespace fs = std::filesystem;

namespace sst::analysis::fit {
namespace {

const char* const kStems[] = {"loss_vs_params", "loss_vs_tokens", "residuals", "compute_optimal"};

// A table N, D, L: `sizes` x `datas` cells of `seeds` runs each, the loss from `law` (or, with `no_n`, a law
// with no N term at all), times log-normal noise.
void write_table(const fs::path& p, int sizes, int datas, int seeds, bool no_n) {
  const ScalingLaw law = testing::true_law();
  testing::Noise noise(0.01, 7);
  std::ostringstream out;
  out.precision(17);
  out << "N,D,L\n";
  for (int i = 0; i < sizes; ++i)
    for (int j = 0; j < datas; ++j)
      for (int s = 0; s < seeds; ++s) {
        const double n = std::pow(10.0, 6 + 3.0 * i / (sizes - 1)), d = std::pow(10.0, 8 + 3.0 * j / (datas - 1));
        const double loss = no_n ? 0.45 + 30 / std::pow(d, 0.4) : law.loss(n, d);
        out << n << "," << d << "," << loss * noise() << "\n";
      }
  test::write_text(p.string(), out.str());
}

// Fits DIR/t.csv into DIR/o; returns the console output.
std::string fit(const fs::path& dir) {
  const test::CommandResult r =
      test::run_command(test::sh_quote(test::bin("sst-analyze")) + " fit --input " +
                        test::sh_quote((dir / "t.csv").string()) + " --output " + test::sh_quote((dir / "o").string()) +
                        " --params-column N --tokens-column D --loss-column L --bootstrap 20");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string gp(const fs::path& dir, const std::string& stem) {
  return test::read_text((dir / "o" / (stem + ".gp")).string());
}

// The "title" lines of a script (set title, and the multiplot's title).
std::string titles(const std::string& script) {
  std::string out;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);)
    if (line.find("set title") != std::string::npos || line.find("set multiplot") != std::string::npos)
      out += line + "\n";
  return out;
}

double luminance(const std::string& hex) {
  const unsigned long v = std::strtoul(hex.c_str(), nullptr, 16) & 0xFFFFFF;
  return 0.2126 * static_cast<double>(v >> 16 & 0xFF) + 0.7152 * static_cast<double>(v >> 8 & 0xFF) +
         0.0722 * static_cast<double>(v & 0xFF);
}

TEST(AnalysisFitFigures, RepeatedSeedsAreAMeanWithAnErrorBarOverFaintPoints) {
  const test::TempDir tmp("fit_figures");
  write_table(fs::path(tmp.path()) / "t.csv", 4, 4, 3, false);
  fit(fs::path(tmp.path()));
  for (const char* stem : {"loss_vs_params", "loss_vs_tokens"}) {
    const std::string s = gp(fs::path(tmp.path()), stem);
    EXPECT_NE(s.find("with yerrorbars pt variable"), std::string::npos) << stem;
    EXPECT_NE(s.find("title 'mean ± 1 s.d. of 3 seeds'"), std::string::npos) << stem << " says what the bar is";
    EXPECT_NE(s.find("title 'each seed'"), std::string::npos) << stem;
    const std::string dat = test::read_text((fs::path(tmp.path()) / "o" / (std::string(stem) + ".dat")).string());
    EXPECT_NE(dat.find("each seed of a repeated (N, D)"), std::string::npos) << stem;
  }
  // One run per (N, D): plain points, no bar, no seed key.
  const test::TempDir one("fit_figures");
  write_table(fs::path(one.path()) / "t.csv", 4, 4, 1, false);
  fit(fs::path(one.path()));
  const std::string s = gp(fs::path(one.path()), "loss_vs_params");
  EXPECT_EQ(s.find("yerrorbars"), std::string::npos);
  EXPECT_EQ(s.find("seeds"), std::string::npos);
  EXPECT_NE(s.find("with points pt variable ps 1.3 lc rgb variable"), std::string::npos);
}

// The IsoFLOP profiles of a real budget sweep (the committed adaptive SST-2 study: at 1e11, n3 and n4 have two
// seeds each): a size with several seeds at a budget is their mean with a bar over the faint seeds; with seed 1
// alone every run is a plain point.
TEST(AnalysisFitFigures, IsoflopProfilesDrawRepeatedSeedsAsAMeanWithABar) {
  const std::string sweep = sst::test::source_dir() + "/docs/scaling/sst2_isoflop_adaptive/sweep.csv";
  std::istringstream rows(test::read_text(sweep));
  std::string header, line, seed_one;
  std::getline(rows, header);
  std::vector<std::string> cols;
  for (std::istringstream h(header); std::getline(h, line, ',');) cols.push_back(line);
  const size_t seed_col = std::find(cols.begin(), cols.end(), "seed") - cols.begin();
  ASSERT_LT(seed_col, cols.size()) << "no seed column in " << sweep;
  for (std::string row; std::getline(rows, row);) {
    std::istringstream r(row);
    std::string cell;
    for (size_t c = 0; c <= seed_col; ++c) std::getline(r, cell, ',');
    if (cell == "1") seed_one += row + "\n";
  }
  for (const bool repeated : {true, false}) {
    const test::TempDir tmp("fit_figures");
    const fs::path dir(tmp.path());
    test::write_text((dir / "t.csv").string(), repeated ? test::read_text(sweep) : header + "\n" + seed_one);
    const test::CommandResult r = test::run_command(test::sh_quote(test::bin("sst-analyze")) + " fit --input " +
                                                    test::sh_quote((dir / "t.csv").string()) + " --output " +
                                                    test::sh_quote((dir / "o").string()) + " --bootstrap 20");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string s = gp(dir, "isoflop"), dat = test::read_text((dir / "o" / "isoflop.dat").string());
    EXPECT_EQ(s.find("with yerrorbars") != std::string::npos, repeated) << s;
    EXPECT_EQ(s.find("title 'seeds: mean ± 1 s.d.'") != std::string::npos, repeated) << s;
    EXPECT_EQ(dat.find("each seed of a repeated size") != std::string::npos, repeated);
    EXPECT_NE(s.find("title 'C = 1×10^{11} FLOPs'"), std::string::npos) << "each budget keeps its key";
  }
}

TEST(AnalysisFitFigures, SizesRunLightToDarkAndDataSizesHaveTheirOwnMarkers) {
  const test::TempDir tmp("fit_figures");
  write_table(fs::path(tmp.path()) / "t.csv", 5, 4, 1, false);
  fit(fs::path(tmp.path()));
  for (const char* stem : {"loss_vs_params", "loss_vs_tokens", "residuals"}) {
    const std::string s = gp(fs::path(tmp.path()), stem);
    // The key's N entries, in the order written (ascending N): one colour each, darker as N grows.
    const std::regex size_entry("keyentry with points pt 7 ps 1.3 lc rgb '#([0-9A-F]{6})' title 'N = ");
    std::vector<std::string> colours;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), size_entry); it != std::sregex_iterator(); ++it)
      colours.push_back((*it)[1]);
    colours.resize(colours.size() / 2);  // the script draws the figure twice (PNG, SVG)
    ASSERT_EQ(colours.size(), 5u) << stem;
    for (size_t k = 1; k < colours.size(); ++k) EXPECT_LT(luminance(colours[k]), luminance(colours[k - 1])) << stem;
    // The key's D entries: four markers, all different.
    const std::regex data_entry("keyentry with [a-z]+ [^\\n]*pt ([0-9]+) ps 1.3 title 'D = ");
    std::set<std::string> markers;
    size_t entries = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), data_entry); it != std::sregex_iterator(); ++it, ++entries)
      markers.insert((*it)[1]);
    EXPECT_EQ(entries, 8u) << stem << ": four D entries per copy";
    EXPECT_EQ(markers.size(), 4u) << stem;
  }
  // Along N the law is drawn per D with the dash that D's key entry shows.
  EXPECT_NE(gp(fs::path(tmp.path()), "loss_vs_params").find("keyentry with linespoints dt 2"), std::string::npos);
}

TEST(AnalysisFitFigures, KeysAreOutsideTheData) {
  const test::TempDir tmp("fit_figures");
  write_table(fs::path(tmp.path()) / "t.csv", 4, 4, 2, false);
  fit(fs::path(tmp.path()));
  for (const char* stem : kStems) {
    std::istringstream in(gp(fs::path(tmp.path()), stem));
    size_t keys = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("set key", 0) != 0) continue;
      ++keys;
      EXPECT_TRUE(line.find(" outside") != std::string::npos || line.find(" at screen") != std::string::npos)
          << stem << ": " << line;
    }
    EXPECT_GT(keys, 0u) << stem;
  }
}

TEST(AnalysisFitFigures, TheVerdictAndTheLawAreWrittenOnEachFigure) {
  const test::TempDir tmp("fit_figures");
  write_table(fs::path(tmp.path()) / "t.csv", 5, 5, 1, false);
  const std::string output = fit(fs::path(tmp.path()));
  ASSERT_NE(output.find("identifiability: IDENTIFIED"), std::string::npos) << output;
  for (const char* stem : kStems) {
    const std::string t = titles(gp(fs::path(tmp.path()), stem));
    EXPECT_NE(t.find("L = E + A/N^{α} + B/D^{β}: E = "), std::string::npos) << stem << "\n" << t;
    EXPECT_TRUE(std::regex_search(t, std::regex("α = 0\\.3[0-9]*, B = [0-9.e+]+, β = 0\\.2[0-9]* \\(identified\\)")))
        << stem << "\n"
        << t;
  }
  // Not identified: the verdict and its reasons, no parameter, no law.
  const test::TempDir bad("fit_figures");
  write_table(fs::path(bad.path()) / "t.csv", 3, 3, 1, true);
  ASSERT_NE(fit(fs::path(bad.path())).find("NOT IDENTIFIED"), std::string::npos);
  for (const char* stem : kStems) {
    const std::string t = titles(gp(fs::path(bad.path()), stem));
    EXPECT_NE(t.find("L(N, D) not identified: "), std::string::npos) << stem << "\n" << t;
    EXPECT_NE(t.find("no law drawn"), std::string::npos) << stem << "\n" << t;
    for (const char* number : {"E = ", "A = ", "α = ", "β = ", "C^{"})
      EXPECT_EQ(t.find(number), std::string::npos) << stem << " shows " << number << "\n" << t;
  }
}

TEST(AnalysisFitFigures, ResidualsAreDrawnAgainstNAndDColouredByN) {
  const test::TempDir tmp("fit_figures");
  write_table(fs::path(tmp.path()) / "t.csv", 4, 4, 1, false);
  fit(fs::path(tmp.path()));
  const std::string s = gp(fs::path(tmp.path()), "residuals");
  EXPECT_NE(s.find("set multiplot layout 1,2"), std::string::npos);
  EXPECT_NE(s.find("using 1:3:4:5 with points pt variable ps 1.2 lc rgb variable"), std::string::npos) << "against N";
  EXPECT_NE(s.find("using 2:3:4:5 with points pt variable ps 1.2 lc rgb variable"), std::string::npos) << "against D";
  // Every fitted run's colour is one of the sizes' colours, and the four sizes all appear.
  const std::string dat = test::read_text((fs::path(tmp.path()) / "o" / "residuals.dat").string());
  std::istringstream in(dat.substr(0, dat.find("\n\n\n")));
  std::set<long> colours;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    double n, d, r, pt, rgb;
    row >> n >> d >> r >> pt >> rgb;
    colours.insert(std::lround(rgb));
  }
  EXPECT_EQ(colours.size(), 4u);
}

}  // namespace
}  // namespace sst::analysis::fit
