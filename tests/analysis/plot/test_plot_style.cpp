// The plot driver's style helpers (analysis/plot/plot.h): the sizes' sequential palette runs light to dark,
// the data sizes' markers and dashes differ, log axes put their decade tics on powers of 10 and a narrow
// range still gets three or more labelled tics, and a line break survives quoting.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "analysis/plot/plot.h"

namespace sst::analysis::plot {
namespace {

// Relative luminance (sRGB weights, no gamma: enough to order colours) of "#RRGGBB" or "#AARRGGBB".
double luminance(const std::string& colour) {
  const unsigned long v = std::strtoul(colour.c_str() + 1, nullptr, 16) & 0xFFFFFF;
  return 0.2126 * static_cast<double>(v >> 16 & 0xFF) + 0.7152 * static_cast<double>(v >> 8 & 0xFF) +
         0.0722 * static_cast<double>(v & 0xFF);
}

TEST(AnalysisPlotStyle, SequentialPaletteRunsLightToDark) {
  for (size_t n : {2, 3, 7, 12}) {
    std::set<std::string> seen;
    for (size_t i = 0; i < n; ++i) {
      const std::string c = sequential_colour(i, n);
      ASSERT_TRUE(std::regex_match(c, std::regex("#[0-9A-F]{6}"))) << c;
      seen.insert(c);
      if (i > 0) EXPECT_LT(luminance(c), luminance(sequential_colour(i - 1, n))) << "level " << i << " of " << n;
    }
    EXPECT_EQ(seen.size(), n) << "every level its own colour";
  }
  // The lightest stays readable on white (viridis' yellow end is left out), the darkest is dark.
  EXPECT_LT(luminance(sequential_colour(0, 7)), 220);
  EXPECT_LT(luminance(sequential_colour(6, 7)), 60);
  EXPECT_EQ(sequential_colour(3, 7, 0xB0).substr(0, 3), "#B0");
  EXPECT_EQ(sequential_colour(3, 7, 0xB0).substr(3), sequential_colour(3, 7).substr(1));
}

TEST(AnalysisPlotStyle, MarkersAndDashesDifferBetweenLevels) {
  std::set<int> markers, dashes;
  for (size_t k = 0; k < 8; ++k) markers.insert(marker(k));
  for (size_t k = 0; k < 5; ++k) dashes.insert(dash(k));
  EXPECT_EQ(markers.size(), 8u);
  EXPECT_EQ(dashes.size(), 5u);
}

// The labelled tics of a log axis: an explicit list "set xtics (a, b, ...)" or its start "set xtics S, 10".
std::vector<double> tic_list(const std::string& gp) {
  std::smatch m;
  std::vector<double> out;
  if (!std::regex_search(gp, m, std::regex("set [xy]tics \\(([^)]*)\\)"))) return out;
  std::string list = m[1];
  for (size_t at = 0; at < list.size();) {
    size_t end = list.find(',', at);
    if (end == std::string::npos) end = list.size();
    out.push_back(std::stod(list.substr(at, end - at)));
    at = end + 1;
  }
  return out;
}

TEST(AnalysisPlotStyle, LogAxisDecadesStartAtAPowerOfTen) {
  // 179 ... 3.4e5: gnuplot started the tics at the range's low end, and '10^{%L}' labelled 1790 as 10^3.
  const std::string wide = log_axis("x", 186, 3.36e5);
  EXPECT_NE(wide.find("set xtics 100, 10\n"), std::string::npos) << wide;
  EXPECT_NE(wide.find("10^{%L}"), std::string::npos) << wide;
  const std::string mid = log_axis("y", 1.3e4, 8.3e5);  // two decades: 1-2-5 labels
  EXPECT_NE(mid.find("set ytics 1e+04, 10\n"), std::string::npos) << mid;
  EXPECT_NE(mid.find("set ytics add ("), std::string::npos) << mid;
}

TEST(AnalysisPlotStyle, ANarrowLogAxisGetsThreeOrMoreLabels) {
  for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{{0.4, 0.46}, {0.41, 0.43}, {2.1, 2.6}, {1, 9}}) {
    const auto tics = tic_list(log_axis("y", lo, hi));
    EXPECT_GE(tics.size(), 3u) << lo << " ... " << hi << ": " << log_axis("y", lo, hi);
    for (double t : tics) {
      EXPECT_GE(t, lo / 1.05) << lo << " ... " << hi;
      EXPECT_LE(t, hi * 1.05) << lo << " ... " << hi;
    }
  }
}

TEST(AnalysisPlotStyle, ALineBreakSurvivesQuoting) {
  EXPECT_EQ(quote("one\ntwo"), "\"one\\ntwo\"");  // gnuplot reads \n only inside double quotes
  EXPECT_EQ(quote("it's\nx\\y"), "\"it's\\nx\\\\y\"");
}

}  // namespace
}  // namespace sst::analysis::plot
