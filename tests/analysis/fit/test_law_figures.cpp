// The parametric law's figures (analysis/fit/law_figures.cpp), written and their scripts read back: the law
// (and the prediction along a held-out level) drawn only when identified, the runs always; several seeds of
// one (N, D) as their mean with a ±1 s.d. bar, said in the key; the residual figure with the excluded and
// held-out runs marked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "analysis/fit/fit_figures.h"
#include "synthetic.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace fit = sst::analysis::fit;
using sst::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// 3 x 3 runs of the tests' law (N 1e6..1e9, D 1e8..1e11), its law fitted exactly.
fit::FitFigureInput input() {
  fit::FitFigureInput in;
  in.law = fit::testing::true_law();
  in.data = fit::testing::synthetic(in.law, 3, 3, 0.0, 1);
  in.n_name = "non_embedding_params";
  in.d_name = "train_tokens";
  in.loss_name = "best_dev_loss";
  return in;
}

std::string script(const TempDir& dir, const std::string& stem) { return sst::test::read_text(dir / (stem + ".gp")); }

}  // namespace

TEST(AnalysisFitLawFigures, TheLawIsDrawnOnlyWhenIdentifiedTheRunsAlways) {
  TempDir dir("law-fig");
  auto in = input();
  ASSERT_EQ(fit::write_law_figure(dir.path(), "identified", in, true), "identified");
  EXPECT_TRUE(fs::exists(dir / "identified.png"));
  EXPECT_THAT(script(dir, "identified"), HasSubstr("with lines lw 2"));
  EXPECT_THAT(script(dir, "identified"), HasSubstr("(lines: fitted L(N, D))"));
  EXPECT_THAT(sst::test::read_text(dir / "identified.dat"), HasSubstr("fitted L along D = "));
  in.law_identified = false;
  in.law_verdict = "not identified: alpha's interval spans a factor of 40";
  fit::write_law_figure(dir.path(), "rejected", in, false);
  const std::string gp = script(dir, "rejected");
  EXPECT_THAT(gp, Not(HasSubstr("with lines lw 2")));
  EXPECT_THAT(gp, Not(HasSubstr("fitted L(N, D)")));
  EXPECT_THAT(gp, HasSubstr("no law drawn"));
  EXPECT_THAT(gp, HasSubstr("with points pt variable"));  // the runs
  EXPECT_THAT(sst::test::read_text(dir / "rejected.dat"), Not(HasSubstr("fitted L along")));
}

TEST(AnalysisFitLawFigures, SeedsOfOneCellAreTheirMeanWithABar) {
  TempDir dir("law-fig");
  auto in = input();
  for (double f : {1.01, 0.99}) {  // two more seeds of the first run
    in.data.n.push_back(in.data.n[0]), in.data.d.push_back(in.data.d[0]), in.data.loss.push_back(in.data.loss[0] * f);
  }
  fit::write_law_figure(dir.path(), "seeds", in, true);
  const std::string gp = script(dir, "seeds");
  EXPECT_THAT(gp, HasSubstr("with yerrorbars"));
  EXPECT_THAT(gp, HasSubstr("mean ± 1 s.d. of 3 seeds"));
  EXPECT_THAT(gp, HasSubstr("'each seed'"));
}

TEST(AnalysisFitLawFigures, AHeldOutLevelGetsItsPredictionOnlyFromAnIdentifiedLaw) {
  TempDir dir("law-fig");
  auto in = input();
  in.held.n = {3e7};
  in.held.d = {3e12};  // a data size no fitted level has
  in.held.loss = {in.law.loss(3e7, 3e12)};
  fit::write_law_figure(dir.path(), "held", in, true);
  EXPECT_THAT(script(dir, "held"), HasSubstr("title 'held out'"));
  EXPECT_THAT(script(dir, "held"), HasSubstr("predicted, D = "));
  in.law_identified = false;
  fit::write_law_figure(dir.path(), "held_rejected", in, true);
  EXPECT_THAT(script(dir, "held_rejected"), HasSubstr("title 'held out'"));
  EXPECT_THAT(script(dir, "held_rejected"), Not(HasSubstr("predicted, D = ")));
}

TEST(AnalysisFitLawFigures, ResidualsMarkTheExcludedAndHeldOutRuns) {
  TempDir dir("law-fig");
  auto in = input();
  EXPECT_EQ(fit::write_residual_figure(dir.path(), in), "residuals");
  EXPECT_THAT(script(dir, "residuals"), Not(HasSubstr("excluded (top-k loss)")));
  in.excluded.n = {1e6}, in.excluded.d = {1e8}, in.excluded.loss = {9.0};
  in.held.n = {1e9}, in.held.d = {1e11}, in.held.loss = {2.0};
  fit::write_residual_figure(dir.path(), in);
  const std::string gp = script(dir, "residuals");
  EXPECT_THAT(gp, HasSubstr("title 'excluded (top-k loss)'"));
  EXPECT_THAT(gp, HasSubstr("title 'held out'"));
  EXPECT_THAT(sst::test::read_text(dir / "residuals.dat"), HasSubstr("fitted runs: N, D, log L - log L_fit"));
}
