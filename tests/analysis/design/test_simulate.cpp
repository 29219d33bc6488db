// The simulator (analysis/design/simulate.h), the planner's test bed: on known laws with noise, from a
// mis-centred start it brackets every budget and recovers a = beta/(alpha+beta) within its 90% interval, for
// less compute than a fixed grid with the same verdict; a law without N dependence ends at the cap "not
// identified"; a loss that only falls with N ends at the ladder's edge; the shipped example says which budgets
// its sizes cannot bracket. A point's loss is the law's, with noise fixed by the point, not the order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "analysis/design/ladder.h"
#include "analysis/design/simulate.h"
#include "common/error.h"
#include "design_fixtures.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace design = sst::analysis::design;
using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using sst::test::TempDir;
using ::testing::HasSubstr;

struct LawCase {
  const char* start;
  design::Law law;
  double noise;
};

// Mis-centred starts: the minima of every budget lie above the three smallest sizes (or below the two largest).
TEST(AnalysisDesignSimulate, MisCentredStartBracketsEveryBudgetAndRecoversA) {
  const LawCase cases[] = {
      {"d8, d12, d16", {1.7, 400, 0.34, 410, 0.28}, 0.003}, {"d8, d12, d16", {1.7, 400, 0.34, 410, 0.28}, 0.01},
      {"d8, d12, d16", {1.7, 400, 0.34, 410, 0.28}, 0.03},  {"d8, d12, d16", {1.0, 100, 0.5, 100, 0.3}, 0.003},
      {"d8, d12, d16", {1.0, 100, 0.5, 100, 0.3}, 0.01},    {"d8, d12, d16", {1.0, 100, 0.5, 100, 0.3}, 0.03},
      {"d256, d384", {1.7, 400, 0.34, 410, 0.28}, 0.01},    {"d256, d384", {1.0, 100, 0.5, 100, 0.3}, 0.01},
  };
  for (const auto& c : cases) {
    const auto in = input(std::string("start = ") + c.start + "\ncap_flops = 1e16\n");
    const auto s = design::simulate(in, c.law, c.noise, 1);
    const std::string what = std::string("start ") + c.start + ", alpha " + std::to_string(c.law.alpha) + ", noise " +
                             std::to_string(c.noise);
    EXPECT_EQ(s.waves.back().stop_reason.rfind("bracketed:", 0), 0u) << what << ": " << s.waves.back().stop_reason;
    for (const auto& b : s.waves.back().budgets) EXPECT_TRUE(b.bracketed) << what << " C=" << b.budget;
    ASSERT_TRUE(s.verdict.identified) << what << ": " << s.verdict.reason;
    const double a = c.law.allocation_exponent();
    EXPECT_LE(s.verdict.a_low, a) << what << ": a = " << s.verdict.a;
    EXPECT_GE(s.verdict.a_high, a) << what << ": a = " << s.verdict.a;
    EXPECT_LE(s.flops, in.design.cap_flops);
    // Against a fixed grid (every size at every budget) that reaches the same verdict: less compute.
    ASSERT_TRUE(s.fixed.reached) << what;
    EXPECT_LT(s.flops, s.fixed.flops) << what;
    std::printf("%s: %zu runs, a = %.3f [%.3f, %.3f] (true %.3f); fixed grid %zu runs; FLOPs adaptive / fixed = %.3f\n",
                what.c_str(), s.results.size(), s.verdict.a, s.verdict.a_low, s.verdict.a_high, a, s.fixed.runs,
                s.flops / s.fixed.flops);
  }
}

TEST(AnalysisDesignSimulate, NoNDependenceEndsAtTheCapNotIdentified) {
  const auto in = input("start = d8, d12, d16\ncap_flops = 3e14\n");
  const auto s = design::simulate(in, {2.0, 0, 0.3, 0, 0.3}, 0.01, 1);  // L = 2 for every N and D
  EXPECT_EQ(s.waves.back().stop_reason.rfind("cap:", 0), 0u) << s.waves.back().stop_reason;
  EXPECT_FALSE(s.verdict.identified);
  EXPECT_NE(s.verdict.reason.find("not identified"), std::string::npos);
  EXPECT_LE(s.flops, in.design.cap_flops);
  const auto j = design::to_json(s, in, {2.0, 0, 0.3, 0, 0.3}, 0.01, 1);
  EXPECT_TRUE(j["allocation"]["a"].is_null());
  EXPECT_EQ(j["stopped_by"], "cap");
}

TEST(AnalysisDesignSimulate, LossOnlyFallingWithNEndsAtTheLadderEdge) {
  const auto in = input("start = d8, d12, d16\ncap_flops = 1e16\n");
  const auto s = design::simulate(in, {2.0, 100, 0.3, 0, 0.3}, 0.01, 1);  // no D term: the largest size wins
  EXPECT_EQ(s.waves.back().stop_reason.rfind("exhausted:", 0), 0u) << s.waves.back().stop_reason;
  EXPECT_FALSE(s.verdict.identified);
  for (const auto& b : s.waves.back().budgets) EXPECT_EQ(b.minimum, "d384");
}

// The shipped example: sst2_isoflop.ini's sizes and per-size budgets from n3-n5. Under this law the minima of
// the two largest budgets lie below n4, the smallest size that trains them: the simulation says so.
TEST(AnalysisDesignSimulate, ShippedExampleSaysWhichBudgetsItCannotBracket) {
  const auto spec = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/example_adaptive.ini");
  const auto in = design::planner_input(spec);
  const auto s = design::simulate(in, {0.3, 50, 0.3, 320, 0.3}, 0.01, 1);
  EXPECT_LE(s.flops, in.design.cap_flops);
  EXPECT_EQ(s.waves.back().stop_reason.rfind("exhausted:", 0), 0u) << s.waves.back().stop_reason;
  size_t bracketed = 0;
  for (const auto& b : s.waves.back().budgets) {
    bracketed += b.bracketed;
    if (b.budget >= 1e12) EXPECT_FALSE(b.bracketed) << b.budget;
  }
  EXPECT_EQ(bracketed, 5u);
  EXPECT_TRUE(s.verdict.identified) << s.verdict.reason;
}

TEST(AnalysisDesignSimulate, LawsParseOrNameTheOption) {
  const auto law = design::parse_law("1.7, 400,0.34,410,0.28");
  EXPECT_DOUBLE_EQ(law.E, 1.7);
  EXPECT_DOUBLE_EQ(law.beta, 0.28);
  EXPECT_DOUBLE_EQ(law.allocation_exponent(), 0.28 / 0.62);
  for (const char* bad : {"1.7,400,0.34", "1.7,400,0,410,0.28", "1.7,-1,0.34,410,0.28", "a,b,c,d,e", ""}) {
    try {
      design::parse_law(bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const sst::UserError& e) {
      EXPECT_THAT(e.what(), HasSubstr("--law")) << bad;
    }
  }
}

// L(N, C / 6N) (1 + sigma z): without noise the law itself; with it, the same loss for the same point in any
// order, another for another simulation seed, near the law.
TEST(AnalysisDesignSimulate, APointsLossIsTheLawsWithItsOwnNoise) {
  const auto in = input("cap_flops = 1e16\n");
  const design::Law law{1.7, 400, 0.34, 410, 0.28};
  const design::PointKey p{"d32", 1e12, 2}, q{"d64", 1e13, 1};
  const double n = in.ladder[4].n;  // d32
  ASSERT_EQ(in.ladder[4].model, "d32");
  EXPECT_DOUBLE_EQ(design::simulated_loss(in, law, 0, 1, p), law.loss(n, 1e12 / (6 * n)));
  const double a = design::simulated_loss(in, law, 0.01, 1, p);
  design::simulated_loss(in, law, 0.01, 1, q);
  EXPECT_EQ(design::simulated_loss(in, law, 0.01, 1, p), a);
  EXPECT_NE(design::simulated_loss(in, law, 0.01, 2, p), a);
  EXPECT_NEAR(a / law.loss(n, 1e12 / (6 * n)), 1.0, 0.06);  // within 6 sigma
}
