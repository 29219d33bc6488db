// The allocation exponent of an adaptive design (analysis/design/verdict.cpp: allocation_verdict): identified
// from two or more bracketed budgets, from their brackets' runs only, with a 90% bootstrap interval around it;
// otherwise "not identified" with why and, in JSON, no number at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "analysis/design/planner.h"
#include "analysis/design/simulate.h"
#include "design_fixtures.h"
#include "test_support.h"

namespace design = sst::analysis::design;
using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

const design::Law kLaw{1.7, 400, 0.34, 410, 0.28};  // a = 0.28 / 0.62 = 0.452

// Every ladder size at each of `budgets` with every seed, its loss from kLaw with 1% noise (as simulated).
std::vector<design::Result> grid(const design::PlannerInput& in, const std::vector<double>& budgets) {
  std::vector<design::Result> r;
  for (double c : budgets)
    for (const auto& size : in.ladder)
      for (int64_t seed : in.seeds) {
        const design::PointKey key{size.model, c, seed};
        r.push_back({key, 0, design::simulated_loss(in, kLaw, 0.01, 1, key)});
      }
  return r;
}

}  // namespace

TEST(AnalysisDesignVerdict, BracketedBudgetsIdentifyAWithItsInterval) {
  const auto in = input("cap_flops = 1e16\n");
  const auto v = design::allocation_verdict(in, grid(in, in.budgets));
  ASSERT_TRUE(v.identified) << v.reason;
  EXPECT_THAT(v.reason, StartsWith("identified: IsoFLOP parabolas over "));
  EXPECT_GE(v.budgets_used, 2u);
  EXPECT_LE(v.a_low, v.a);
  EXPECT_GE(v.a_high, v.a);
  EXPECT_LT(v.a_high - v.a_low, 0.5);
  EXPECT_NEAR(v.a, kLaw.allocation_exponent(), 0.1);
  const auto j = design::to_json(v);
  EXPECT_DOUBLE_EQ(j["a"].get<double>(), v.a);
  EXPECT_EQ(j["a_interval_90"], nlohmann::json::array({v.a_low, v.a_high}));
  EXPECT_EQ(j["identified"], true);
}

// Runs of a budget that is not bracketed (two sizes: no minimum inside) do not move a or its interval.
TEST(AnalysisDesignVerdict, OnlyTheBracketsRunsCount) {
  const auto in = input("cap_flops = 1e16\n");
  auto results = grid(in, {1e11, 1e12, 1e13});
  const auto without = design::allocation_verdict(in, results);
  // One seed each, so that the seeds' pooled spread (which separates sizes) stays as it was.
  for (const char* model : {"d8", "d12"}) {
    const design::PointKey key{model, 1e14, 1};
    results.push_back({key, 1, design::simulated_loss(in, kLaw, 0.01, 1, key)});
  }
  const auto with = design::allocation_verdict(in, results);
  ASSERT_TRUE(without.identified) << without.reason;
  EXPECT_EQ(with.budgets_used, without.budgets_used);
  EXPECT_DOUBLE_EQ(with.a, without.a);
  EXPECT_DOUBLE_EQ(with.a_low, without.a_low);
  EXPECT_DOUBLE_EQ(with.a_high, without.a_high);
}

TEST(AnalysisDesignVerdict, FewerThanTwoBracketedBudgetsIsNotIdentifiedAndHasNoNumber) {
  const auto in = input("cap_flops = 1e16\n");
  const auto one = design::allocation_verdict(in, grid(in, {1e12}));
  EXPECT_FALSE(one.identified);
  EXPECT_EQ(one.reason, "not identified: 1 budget(s) bracketed, a needs two");
  const auto none = design::allocation_verdict(in, {});
  EXPECT_EQ(none.reason, "not identified: 0 budget(s) bracketed, a needs two");
  const auto j = design::to_json(one);
  EXPECT_EQ(j["identified"], false);
  EXPECT_TRUE(j["a"].is_null());
  EXPECT_TRUE(j["a_interval_90"].is_null());
  EXPECT_EQ(j["reason"], one.reason);
}

// design.jsonl's records: a design-wide decision names no model and no budget.
TEST(AnalysisDesignVerdict, DecisionRecordsNameOnlyWhatTheyConcern) {
  const auto wide = design::to_json(design::Decision{3, "stop", "", 0, "cap: the next wave would pass it"});
  EXPECT_EQ(wide, (nlohmann::json{{"wave", 3}, {"action", "stop"}, {"reason", "cap: the next wave would pass it"}}));
  const auto one = design::to_json(design::Decision{1, "extend", "d16", 1e12, "the loss falls toward d16"});
  EXPECT_EQ(one["model"], "d16");
  EXPECT_EQ(one["budget"], 1e12);
  EXPECT_EQ(one["action"], "extend");
}
