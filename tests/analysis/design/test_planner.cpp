// The wave planner (analysis/design/planner.h): the [design] keys it reads name the key when wrong; planning is
// deterministic and, from a prefix of the results, reproduces the next wave (resumable); cooldown branches cost
// their cooldown only. The planner proved on known laws is test_simulate.cpp's.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/design/planner.h"
#include "analysis/design/simulate.h"
#include "common/error.h"
#include "design_fixtures.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace design = sst::analysis::design;
using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using sst::test::TempDir;

namespace {

std::string parse_error(const std::string& design_keys, const std::string& budget_extra = "") {
  TempDir dir("design");
  try {
    sst::sweep::parse_sweep_file(sweep_file(dir, design_keys, budget_extra));
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(AnalysisDesignSweepFile, BadKeysNameTheKey) {
  EXPECT_NE(parse_error("cap_flops = 1e16\nwaves = 3\n").find("unknown key 'design.waves'"), std::string::npos);
  EXPECT_NE(parse_error("start = d8\n").find("design.cap_flops is required"), std::string::npos);
  EXPECT_NE(parse_error("cap_flops = -1\n").find("design.cap_flops = '-1'"), std::string::npos);
  EXPECT_NE(parse_error("cap_flops = 1e16\nstart = d8, d9\n").find("'d9' is not in models.names"), std::string::npos);
  EXPECT_NE(parse_error("cap_flops = 1e16\nseeds_start = 3\nseeds_max = 2\n").find("above design.seeds_max"),
            std::string::npos);
  EXPECT_NE(parse_error("cap_flops = 1e16\nseeds_max = 5\n").find("design.seeds_max = '5'"), std::string::npos);
  EXPECT_NE(parse_error("cap_flops = 1e16\nseparation = 0\n").find("design.separation"), std::string::npos);
  EXPECT_NE(parse_error("cap_flops = 1e16\nstop = soon\n").find("design.stop = 'soon'"), std::string::npos);
  EXPECT_EQ(parse_error("cap_flops = 1e16\nstart = d8, d12\n"), "");
}

TEST(AnalysisDesignPlanner, DeterministicAndResumableFromAnyWave) {
  const auto in = input("start = d8, d12, d16\ncap_flops = 1e16\n");
  const design::Law law{1.7, 400, 0.34, 410, 0.28};
  const auto s = design::simulate(in, law, 0.01, 3);
  ASSERT_GT(s.waves.size(), 3u);
  EXPECT_EQ(design::design_log(s), design::design_log(design::simulate(in, law, 0.01, 3)));
  // Interrupted after wave k: planning again from the finished results gives the same wave k + 1.
  for (size_t k = 0; k + 1 < s.waves.size(); ++k) {
    std::vector<design::Result> done;
    for (const auto& r : s.results)
      if (r.wave <= static_cast<int>(k)) done.push_back(r);
    const auto again = design::plan_next(in, done);
    const auto& orig = s.waves[k + 1];
    ASSERT_EQ(again.points.size(), orig.points.size()) << "wave " << k + 1;
    for (size_t i = 0; i < again.points.size(); ++i) {
      EXPECT_EQ(again.points[i].model, orig.points[i].model);
      EXPECT_EQ(again.points[i].budget, orig.points[i].budget);
      EXPECT_EQ(again.points[i].seed, orig.points[i].seed);
    }
    EXPECT_EQ(again.decisions.size(), orig.decisions.size());
  }
  // Every decision has an action and a reason; every point trained was planned by a logged decision's wave.
  for (const auto& w : s.waves)
    for (const auto& d : w.decisions) EXPECT_FALSE(d.reason.empty()) << d.action;
}

TEST(AnalysisDesignPlanner, CooldownBranchesCountTheirCooldownOnly) {
  auto in = input("cap_flops = 1e16\n");
  std::vector<design::Result> r{{{"d8", 1e12, 1}, 0, 1}, {{"d8", 1e11, 1}, 0, 1}, {{"d8", 1e13, 1}, 1, 1}};
  // 1e12 is the main of wave 0 (1e11 its branch); 1e13 comes later: a new main.
  EXPECT_DOUBLE_EQ(design::flops_spent(in, r), 1e12 + 0.2 * 1e11 + 1e13);
  in.cooldown_branches = false;
  EXPECT_DOUBLE_EQ(design::flops_spent(in, r), 1e12 + 1e11 + 1e13);
}
