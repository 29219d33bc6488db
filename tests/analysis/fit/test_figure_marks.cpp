// What the fit's law figures mark their points with (analysis/fit/figure_marks.cpp): values within 2% are one
// level (at their geometric mean); up to kMarked data sizes get markers of their own, all keyed, beyond that
// only the ones drawn as series; runs sharing (N, D) become one cell with their mean and sample s.d.; the text
// written on a figure carries the law only when it is identified.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "analysis/fit/fit_figures.h"
#include "analysis/plot/plot.h"

namespace fit = sst::analysis::fit;
namespace figure = sst::analysis::fit::figure;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(AnalysisFitFigureMarks, ValuesWithinTwoPercentAreOneLevel) {
  const figure::Levels levels({1e5, 3e5, 1.01e5, 1e6, 2.99e5});
  ASSERT_EQ(levels.at.size(), 3u);
  EXPECT_NEAR(levels.at[0], std::sqrt(1e5 * 1.01e5), 1e-6);
  EXPECT_NEAR(levels.at[1], std::sqrt(3e5 * 2.99e5), 1e-6);
  EXPECT_EQ(levels.of(1e5), 0u);
  EXPECT_EQ(levels.of(4e5), 1u);
  EXPECT_EQ(levels.of(5e7), 2u);  // the nearest in log
  EXPECT_EQ(levels.colour(1e6), sst::analysis::plot::sequential_colour(2, 3));
  EXPECT_EQ(levels.marker(1e6), 7);  // not yet marked: a filled circle
}

TEST(AnalysisFitFigureMarks, FewDataSizesAreAllKeyedManyOnlyTheShownOnes) {
  std::vector<double> few = {1e6, 1e7, 1e8};
  figure::Levels a(few);
  figure::mark_levels(a, {});
  EXPECT_THAT(a.keyed, ElementsAre(0u, 1u, 2u));
  EXPECT_EQ(std::set<int>(a.marks.begin(), a.marks.end()).size(), 3u);  // a marker each
  EXPECT_EQ(a.dash(1e7), sst::analysis::plot::dash(1));
  std::vector<double> many;
  for (int k = 0; k < 20; ++k) many.push_back(std::pow(10.0, 6 + 0.1 * k));
  figure::Levels b(many);
  figure::mark_levels(b, {3, 19});
  EXPECT_THAT(b.keyed, ElementsAre(3u, 19u));
  EXPECT_EQ(b.marks[0], sst::analysis::plot::marker(0));
  EXPECT_EQ(b.marks[3], sst::analysis::plot::marker(0));
  EXPECT_EQ(b.marks[19], sst::analysis::plot::marker(1));
  const std::string key = figure::data_key(b, " tokens", false);
  EXPECT_EQ(std::count(key.begin(), key.end(), '\n'), 1) << key;  // two entries
  b.keyed.clear();
  EXPECT_EQ(figure::data_key(b, " tokens", true), "");
}

TEST(AnalysisFitFigureMarks, RunsSharingACellGiveItsMeanAndSampleSd) {
  fit::Data d;
  d.n = {1e5, 1e5, 1.005e5, 2e5};
  d.d = {1e6, 1e6, 1.01e6, 1e6};
  d.loss = {0.50, 0.52, 0.54, 0.40};
  const auto cells = figure::seed_cells(d, {0, 1, 2, 3});
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_THAT(cells[0].runs, ElementsAre(0u, 1u, 2u));
  EXPECT_NEAR(cells[0].mean, 0.52, 1e-12);
  EXPECT_NEAR(cells[0].sd, 0.02, 1e-12);
  EXPECT_EQ(cells[1].sd, 0);                                            // one run
  EXPECT_THAT(figure::seed_cells(d, {3, 0})[0].runs, ElementsAre(3u));  // only the runs asked for, in order
}

TEST(AnalysisFitFigureMarks, TheTextOnAFigureCarriesTheLawOnlyWhenIdentified) {
  fit::FitFigureInput in;
  in.law = {1.69, 406.4, 410.7, 0.34, 0.28};
  in.law_verdict = "weakly identified: only 2 data sizes";
  EXPECT_THAT(figure::law_text(in), HasSubstr("E = 1.69"));
  EXPECT_THAT(figure::law_text(in), HasSubstr("(weakly identified:"));
  in.law_identified = false;
  in.law_verdict = "not identified: alpha's interval spans a factor of 40";
  const std::string rejected = figure::law_text(in);
  EXPECT_THAT(rejected, HasSubstr("no law drawn"));
  EXPECT_THAT(rejected, Not(HasSubstr("1.69")));
  EXPECT_THAT(figure::approach_text("2: IsoFLOP", "not identified: 1 budget", false, 0.45), Not(HasSubstr("0.45")));
  EXPECT_THAT(figure::approach_text("2: IsoFLOP", "identified", true, 0.45), HasSubstr("C^{0.45}"));
}

TEST(AnalysisFitFigureMarks, WrapBreaksBetweenWordsAndColoursReadAsNumbers) {
  EXPECT_EQ(figure::wrap("aa bb cc dd", 5), "aa bb\ncc dd");
  EXPECT_EQ(figure::wrap("a-very-long-word x", 4), "a-very-long-word\nx");
  EXPECT_EQ(figure::rgb_value("#ff0000"), 16711680.0);
  EXPECT_EQ(figure::rgb_value("#80000000"), 2147483648.0);
}
