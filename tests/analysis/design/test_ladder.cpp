// The planner's input from a sweep file (analysis/design/ladder.h): N from each size's shape as sst-train
// counts it, the shape keys looked up as sst-train would see them, the ladder by N, the budgets, seeds and the
// cooldown share; what the planner cannot work with named in one line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "analysis/design/ladder.h"
#include "common/error.h"
#include "design_fixtures.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace design = sst::analysis::design;
using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using sst::test::TempDir;
using ::testing::HasSubstr;

TEST(AnalysisDesignLadder, NonEmbeddingParamsMatchTheTrainer) {
  // The N of sst2_isoflop.ini's sizes, as sst-train reported them (non_embedding_params).
  EXPECT_EQ(design::non_embedding_params(4, 1, 8), 186);
  EXPECT_EQ(design::non_embedding_params(8, 1, 16), 626);
  EXPECT_EQ(design::non_embedding_params(16, 1, 32), 2274);
  EXPECT_EQ(design::non_embedding_params(48, 2, 96), 38018);
  EXPECT_EQ(design::non_embedding_params(128, 4, 512), 793090);
  const auto in = input("cap_flops = 1e16\n");
  ASSERT_EQ(in.ladder.size(), 12u);
  for (size_t i = 1; i < in.ladder.size(); ++i) EXPECT_GT(in.ladder[i].n, in.ladder[i - 1].n);
  EXPECT_TRUE(in.cooldown_branches);
  EXPECT_DOUBLE_EQ(in.decay_fraction, 0.2);
}

namespace {

// planner_input's one-line error for a spec changed by `edit` ("" when it reads).
template <class Edit>
std::string input_error(Edit edit) {
  TempDir dir("ladder");
  auto spec = sst::sweep::parse_sweep_file(sweep_file(dir, "cap_flops = 1e16\n"));
  edit(spec);
  try {
    design::planner_input(spec);
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

double n_of(const design::PlannerInput& in, const std::string& model) {
  for (const auto& s : in.ladder)
    if (s.model == model) return s.n;
  ADD_FAILURE() << model << " is not in the ladder";
  return 0;
}

}  // namespace

// A shape key comes from the model's section, else [overrides], else the base config (layers = 2 there).
TEST(AnalysisDesignLadder, AShapeKeyComesFromTheSectionThenOverridesThenTheBaseConfig) {
  TempDir dir("ladder");
  auto spec = sst::sweep::parse_sweep_file(sweep_file(dir, "cap_flops = 1e16\n"));
  EXPECT_EQ(n_of(design::planner_input(spec), "d8"), static_cast<double>(design::non_embedding_params(8, 2, 32)));
  spec.overrides.emplace_back("model.layers", "3");
  EXPECT_EQ(n_of(design::planner_input(spec), "d8"), static_cast<double>(design::non_embedding_params(8, 3, 32)));
  spec.models[0].overrides.emplace_back("model.layers", "1");
  const auto in = design::planner_input(spec);
  EXPECT_EQ(n_of(in, "d8"), static_cast<double>(design::non_embedding_params(8, 1, 32)));
  EXPECT_EQ(n_of(in, "d12"), static_cast<double>(design::non_embedding_params(12, 3, 48)));
}

// The ladder is ordered by N whatever the order of models.names; budgets increase; a size keeps its own list.
TEST(AnalysisDesignLadder, SizesByNBudgetsIncreasing) {
  TempDir dir("ladder");
  auto spec = sst::sweep::parse_sweep_file(sweep_file(dir, "cap_flops = 1e16\n"));
  std::reverse(spec.models.begin(), spec.models.end());
  std::reverse(spec.budget.values.begin(), spec.budget.values.end());
  spec.models.back().budgets = {1e11, 1e12};  // d8
  const auto in = design::planner_input(spec);
  ASSERT_EQ(in.ladder.size(), 12u);
  EXPECT_EQ(in.ladder.front().model, "d8");
  EXPECT_EQ(in.ladder.back().model, "d384");
  for (size_t i = 1; i < in.ladder.size(); ++i) EXPECT_GT(in.ladder[i].n, in.ladder[i - 1].n);
  EXPECT_EQ(in.budgets, (std::vector<double>{1e11, 1e12, 1e13, 1e14}));
  EXPECT_TRUE(in.ladder.front().trains(1e12));
  EXPECT_FALSE(in.ladder.front().trains(1e13));
  EXPECT_TRUE(in.ladder.back().trains(1e14));  // no list of its own: every budget
  EXPECT_EQ(in.seeds, (std::vector<int64_t>{1, 2, 3, 4}));
}

// A branch's cooldown share is train.decay_fraction of [overrides] when given (flops_spent counts it).
TEST(AnalysisDesignLadder, DecayFractionFromTheOverrides) {
  TempDir dir("ladder");
  auto spec = sst::sweep::parse_sweep_file(sweep_file(dir, "cap_flops = 1e16\n"));
  spec.overrides.emplace_back("train.decay_fraction", "0.5");
  EXPECT_DOUBLE_EQ(design::planner_input(spec).decay_fraction, 0.5);
}

TEST(AnalysisDesignLadder, WhatThePlannerCannotUseNamesTheFileAndTheKey) {
  EXPECT_THAT(input_error([](auto& s) { s.design.reset(); }), HasSubstr(": no [design] section"));
  const std::string no_ff = input_error([](auto& s) {
    auto& o = s.models[0].overrides;
    o.erase(std::remove_if(o.begin(), o.end(), [](const auto& kv) { return kv.first == "model.ff_dim"; }), o.end());
  });
  EXPECT_THAT(no_ff, HasSubstr("sweep file "));
  EXPECT_THAT(no_ff, HasSubstr("model d8: model.ff_dim = '' (from its section, [overrides] or the base config) must "
                               "be a positive integer"));
  EXPECT_THAT(input_error([](auto& s) { s.models[1].overrides.emplace_back("model.d_model", "0"); }),
              HasSubstr("model d12: model.d_model = '0'"));
  EXPECT_THAT(input_error([](auto& s) { s.overrides.emplace_back("train.decay_fraction", "most"); }),
              HasSubstr("train.decay_fraction = 'most' is not a number"));
}
