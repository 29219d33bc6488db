// The figures of approaches 1 and 2 and the compute-optimal frontier (analysis/fit/approach_figures.cpp),
// written and their scripts read back: an IsoFLOP budget's vertex is marked as a minimum only when its sizes
// bracket it; an approach's N_opt(C) is drawn (and its exponent written) only when identified.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "analysis/fit/fit_figures.h"
#include "synthetic.h"
#include "test_support.h"

namespace fit = sst::analysis::fit;
using sst::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// At each budget the sizes 1e7..1e10 of the tests' law, D = C / 6N: the minima of 1e18..1e20 lie inside the
// sizes, that of 1e23 above them.
fit::FitFigureInput input(const std::vector<double>& budgets) {
  fit::FitFigureInput in;
  in.law = fit::testing::true_law();
  std::vector<double> budget;
  for (double c : budgets)
    for (int k = 0; k <= 6; ++k) {
      const double n = std::pow(10.0, 7 + k / 2.0), d = c / (6 * n);
      in.data.n.push_back(n), in.data.d.push_back(d), in.data.loss.push_back(in.law.loss(n, d));
      budget.push_back(c);
    }
  in.iso_points = in.data;
  in.iso = fit::isoflop_parabolas(budget, in.data.n, in.data.loss);
  in.n_name = "non_embedding_params";
  in.d_name = "tokens_at_best";
  in.loss_name = "best_dev_loss";
  return in;
}

std::string script(const TempDir& dir, const std::string& stem) { return sst::test::read_text(dir / (stem + ".gp")); }

}  // namespace

TEST(AnalysisFitApproachFigures, OnlyABracketedVertexIsAMinimum) {
  TempDir dir("approach-fig");
  EXPECT_EQ(fit::write_isoflop_figure(dir.path(), input({1e18, 1e19, 1e23})), "isoflop");
  EXPECT_THAT(script(dir, "isoflop"), HasSubstr("title 'minimum (N_{opt})'"));
  EXPECT_THAT(script(dir, "isoflop"), HasSubstr("approach 2 (IsoFLOP): N_{opt} ∝ C^{"));
  TempDir none("approach-fig");
  auto in = input({1e23});  // its profile only falls: the vertex is an extrapolation
  in.iso_identified = false;
  in.iso_verdict = "not identified: 0 budgets bracketed";
  fit::write_isoflop_figure(none.path(), in);
  EXPECT_THAT(script(none, "isoflop"), Not(HasSubstr("minimum (N_{opt})")));
  EXPECT_THAT(script(none, "isoflop"), HasSubstr("no N_{opt}(C) drawn"));
}

TEST(AnalysisFitApproachFigures, TheFrontierDrawsTheIdentifiedApproachesOnly) {
  TempDir dir("approach-fig");
  auto in = input({1e18, 1e19, 1e20});
  EXPECT_EQ(fit::write_frontier_figure(dir.path(), in), "compute_optimal");
  std::string gp = script(dir, "compute_optimal");
  EXPECT_THAT(gp, HasSubstr("approach 3 (parametric): N_{opt} ∝ C^{0.452}"));  // 0.28 / 0.62
  EXPECT_THAT(gp, HasSubstr("approach 2 (IsoFLOP): N_{opt} ∝ C^{"));
  EXPECT_THAT(gp, HasSubstr("title 'IsoFLOP minima'"));
  in.law_identified = false;
  in.iso_identified = false;
  fit::write_frontier_figure(dir.path(), in);
  gp = script(dir, "compute_optimal");
  EXPECT_THAT(gp, Not(HasSubstr("approach 3 (parametric)")));
  EXPECT_THAT(gp, Not(HasSubstr("approach 2 (IsoFLOP): N_{opt}")));
  EXPECT_THAT(gp, HasSubstr("title 'runs'"));  // the runs are drawn whatever the verdicts
}
