// The adaptive design (analysis/design): [design] keys, N from the shapes, and the wave planner proved by the
// simulator on known laws: from a mis-centred start it brackets every budget and recovers a = beta/(alpha+beta)
// within its 90% interval, for less compute than a fixed grid with the same verdict; a law without N dependence
// ends with "not identified"; planning from a prefix of the results reproduces the run (resumable).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "analysis/design/ladder.h"
#include "analysis/design/simulate.h"
#include "common/error.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace design = sst::analysis::design;
using sst::test::TempDir;

namespace {

// 12 sizes, d_model 8..384 (N 1.9e3..3.6e6), 4 budgets 1e11..1e14, 4 seeds, cooldown branches.
std::string sweep_file(const TempDir& dir, const std::string& design_keys, const std::string& budget_extra = "") {
  sst::test::write_text(dir / "base.ini", "[model]\nlayers = 2\n[train]\nlr = 1e-3\n");
  std::string s = "[sweep]\nname = sim\nbase_config = base.ini\nseeds = 1, 2, 3, 4\n[models]\nnames = ";
  const int ds[] = {8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384};
  std::string sections;
  for (int d : ds) {
    s += (d == 8 ? "d" : ", d") + std::to_string(d);
    sections += "[model.d" + std::to_string(d) + "]\nd_model = " + std::to_string(d) +
                "\nheads = 2\nff_dim = " + std::to_string(4 * d) + "\n";
  }
  s += "\n" + sections + "[budget]\nflops = 1e11, 1e12, 1e13, 1e14\ncooldown_branches = true\n" + budget_extra +
       "[design]\n" + design_keys;
  sst::test::write_text(dir / "sim.ini", s);
  return dir / "sim.ini";
}

design::PlannerInput input(const std::string& design_keys) {
  TempDir dir("design");
  return design::planner_input(sst::sweep::parse_sweep_file(sweep_file(dir, design_keys)));
}

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

TEST(AnalysisDesignCommand, WritesSimulationJsonOrNothing) {
  TempDir dir("design");
  const std::string file = sweep_file(dir, "start = d8, d12, d16\ncap_flops = 1e16\n");
  const auto ok = sst::test::run_tool(
      "sst-sweep", {"simulate", file, "--law", "1.7,400,0.34,410,0.28", "--noise", "0.01", "--output", dir / "out"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto j = sst::test::read_json(dir / "out/simulation.json");
  for (const char* k : {"runs", "flops", "budgets", "allocation", "stop_reason", "fixed_grid"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["stopped_by"], "bracketed");
  EXPECT_EQ(j["allocation"]["a_interval_90"].size(), 2u);
  EXPECT_FALSE(sst::test::read_jsonl(dir / "out/design.jsonl").empty());
  const auto bad = sst::test::run_tool(
      "sst-sweep", {"simulate", file, "--law", "1.7,400,0.34", "--noise", "0.01", "--output", dir / "bad"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("sst-sweep: error: --law"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad/simulation.json"));
  // The option table: --noise in [0, 1) and required, a usage error naming it.
  const auto noisy = sst::test::run_tool(
      "sst-sweep", {"simulate", file, "--law", "1.7,400,0.34,410,0.28", "--noise", "1", "--output", dir / "bad"});
  EXPECT_EQ(noisy.exit_code, 2);
  EXPECT_EQ(noisy.err, "sst-sweep: usage error: --noise = 1: must be in [0, 1)\n");
  const auto quiet = sst::test::run_tool("sst-sweep", {"simulate", file, "--law", "1.7,400,0.34,410,0.28"});
  EXPECT_EQ(quiet.exit_code, 2);
  EXPECT_NE(quiet.err.find("'--noise' is required"), std::string::npos) << quiet.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad/simulation.json"));
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
