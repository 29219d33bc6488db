// `sst-sweep wave`, the adaptive design run for real (analysis/design/wave.h): wave by wave, with each finished
// run's summary.json written from a known law, it plans exactly what `simulate` plans (the same design.jsonl,
// stop and run count), writes every point in expand's form with cooldown branches whose parents were trained
// first, is idempotent (planning again changes nothing) and waits while a wave is unfinished; `status --stage
// ready|waiting` tells the branches that can start at once from those whose parent runs in the same wave;
// design.jsonl keeps the earlier waves' lines and names the line it cannot read. No training: seconds. The
// command's refusals are test_wave_command.cpp's.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "analysis/design/ladder.h"
#include "analysis/design/simulate.h"
#include "analysis/design/wave.h"
#include "common/error.h"
#include "design_fixtures.h"
#include "rundir/summary.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace design = sst::analysis::design;
using namespace sst::analysis::design::test;  // NOLINT(google-build-using-namespace): the shared fixtures
using nlohmann::json;
using sst::test::TempDir;

namespace {

// Finishes every point of `wave` with the law's loss, as sst-train's summary.json would.
void finish_wave(const std::string& sweep_dir, int wave, const design::PlannerInput& in, const design::Law& law) {
  const json m = sst::test::read_json(sweep_dir + "/sweep_manifest.json");
  for (const auto& p : m["points"]) {
    if (p["wave"] != wave) continue;
    const design::PointKey key{p["model"], p["budget"], p["seed"]};
    sst::rundir::RunSummary s;
    s.run_name = p["run"];
    s.best_dev_loss = design::simulated_loss(in, law, 0.01, 3, key);
    std::filesystem::create_directories(sweep_dir + "/" + p["run_dir"].get<std::string>());
    sst::rundir::write_summary(sst::rundir::RunDir(sweep_dir + "/" + p["run_dir"].get<std::string>()), s);
  }
}

bool has_arg(const json& p, const std::string& arg) {
  for (const auto& a : p["args"])
    if (a == arg) return true;
  return false;
}

// Before wave `wave` runs: `status --unfinished --stage ready` lists its main runs and the branches of runs
// finished in earlier waves (they can start at once), `--stage waiting` the branches of its own main runs.
void expect_stages(const std::string& sweep_dir, int wave) {
  const json m = sst::test::read_json(sweep_dir + "/sweep_manifest.json");
  std::map<std::string, int> wave_of;
  for (const auto& p : m["points"]) wave_of[p["run"]] = p["wave"];
  std::string ready, waiting;
  for (const auto& p : m["points"]) {
    if (p["wave"] != wave) continue;
    std::string& list = p.contains("parent") && wave_of.at(p["parent"]) == wave ? waiting : ready;
    list += (list.empty() ? "" : ",") + p["index"].dump();
  }
  for (const auto& [stage, want] : {std::make_pair("ready", ready), std::make_pair("waiting", waiting)}) {
    const auto r = sst::test::run_tool("sst-sweep", {"status", sweep_dir, "--unfinished", "--stage", stage});
    EXPECT_EQ(r.out, want + "\n") << "wave " << wave << ", --stage " << stage << ": " << r.err;
  }
}

}  // namespace

TEST(AnalysisDesignWave, RealRunsReplayTheSimulationWaveByWave) {
  TempDir dir("wave");
  const std::string file = sweep_file(dir, "start = d8, d12, d16\ncap_flops = 1e16\n");
  const auto in = design::planner_input(sst::sweep::parse_sweep_file(file));
  const design::Law law{1.7, 400, 0.34, 410, 0.28};
  const auto sim = design::simulate(in, law, 0.01, 3);
  const std::string sd = dir / "sweep";
  int waves = 0;
  for (;; ++waves) {
    const auto r = sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", sd});
    if (r.exit_code == 3) break;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_LT(waves, 50);
    // Before the wave's runs finish, planning again changes nothing.
    const std::string manifest = sst::test::read_text(sd + "/sweep_manifest.json");
    const auto again = sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", sd});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("unfinished; run them first"), std::string::npos) << again.out;
    EXPECT_EQ(sst::test::read_text(sd + "/sweep_manifest.json"), manifest);
    expect_stages(sd, waves);
    finish_wave(sd, waves, in, law);
  }
  EXPECT_EQ(waves, sim.waves.back().wave);
  EXPECT_EQ(sst::test::read_text(sd + "/design.jsonl"), design::design_log(sim));
  const json m = sst::test::read_json(sd + "/sweep_manifest.json");
  EXPECT_EQ(m["points"].size(), sim.results.size());
  EXPECT_TRUE(m["design"]["ended"].get<bool>());
  EXPECT_EQ(m["design"]["stop_reason"], sim.waves.back().stop_reason);
  EXPECT_EQ(m["design"]["allocation"]["a"], design::to_json(sim.verdict)["a"]);
  // Every branch's parent is a main run of the same size and seed, a larger budget, trained in its wave or before,
  // that keeps a snapshot at the branch's budget.
  std::map<std::string, json> by_run;
  for (const auto& p : m["points"]) by_run[p["run"]] = p;
  size_t branches = 0;
  for (const auto& p : m["points"]) {
    EXPECT_TRUE(has_arg(p, "--train.max_flops=" + sst::sweep::format_number(p["budget"]))) << p["run"];
    if (!p.contains("parent")) continue;
    ++branches;
    const json& parent = by_run.at(p["parent"]);
    EXPECT_FALSE(parent.contains("parent")) << p["run"];
    EXPECT_EQ(parent["model"], p["model"]);
    EXPECT_EQ(parent["seed"], p["seed"]);
    EXPECT_GT(parent["budget"].get<double>(), p["budget"].get<double>());
    EXPECT_LE(parent["wave"].get<int>(), p["wave"].get<int>());
    EXPECT_TRUE(has_arg(
        p, "--train.branch_from=" + m["sweep_dir"].get<std::string>() + "/runs/" + parent["run"].get<std::string>()));
    bool snapshot = false;
    for (const auto& a : parent["args"])
      if (a.get<std::string>().rfind("--train.snapshot_budgets=", 0) == 0)
        snapshot =
            ("," + a.get<std::string>().substr(25) + ",").find("," + sst::sweep::format_number(p["budget"]) + ",") !=
            std::string::npos;
    EXPECT_TRUE(snapshot) << parent["run"] << " keeps no snapshot for " << p["run"];
  }
  EXPECT_GT(branches, 0u);
  // The design ended: planning again says so again and rewrites the same files.
  const std::string log = sst::test::read_text(sd + "/design.jsonl");
  const auto end = sst::test::run_tool("sst-sweep", {"wave", file, "--sweep-dir", sd});
  EXPECT_EQ(end.exit_code, 3) << end.err;
  EXPECT_NE(end.out.find("the design ended after"), std::string::npos) << end.out;
  EXPECT_EQ(sst::test::read_text(sd + "/design.jsonl"), log);
  EXPECT_EQ(sst::test::read_json(sd + "/sweep_manifest.json"), m);
  // expand reads the planned points from the manifest.
  const auto count = sst::test::run_tool("sst-sweep", {"expand", file, "--sweep-dir", sd, "--count"});
  EXPECT_EQ(count.out, std::to_string(m["points"].size()) + "\n") << count.err;
  const auto run =
      sst::test::run_tool("sst-sweep", {"expand", file, "--sweep-dir", sd, "--index", "5", "--field", "run"});
  EXPECT_EQ(run.out, m["points"][5]["run"].get<std::string>() + "\n") << run.err;
}

// A branch of a run finished in an earlier wave: its parent is that run (the largest budget of its size and
// seed trained so far), it can start at once (`--stage ready`), and a new larger budget is a main run that keeps
// a snapshot at every smaller budget of its size.
TEST(AnalysisDesignWave, BranchesOfEarlierWavesStartAtOnce) {
  TempDir dir("wave");
  const auto spec = sst::sweep::parse_sweep_file(sweep_file(dir, "start = d8\ncap_flops = 1e16\n"));
  const std::string sd = dir / "sweep";
  design::Wave w0;
  w0.points = {{"d8", 1e12, 1}};
  const auto p0 = design::wave_points(spec, sd, json::array(), w0);
  ASSERT_EQ(p0.size(), 1u);
  EXPECT_TRUE(p0[0].parent.empty());
  json m = design::next_manifest(spec, sd, json(), p0, w0);
  EXPECT_TRUE(has_arg(m["points"][0], "--train.snapshot_budgets=100000000000"));
  design::Wave w1;
  w1.wave = 1;
  w1.points = {{"d8", 1e11, 1}, {"d8", 1e13, 2}, {"d8", 1e12, 2}};
  const auto p1 = design::wave_points(spec, sd, m["points"], w1);
  ASSERT_EQ(p1.size(), 3u);
  EXPECT_EQ(p1[0].index, 1u);
  EXPECT_EQ(p1[0].parent, "d8_c1e12_s1");
  EXPECT_EQ(p1[2].parent, "d8_c1e13_s2");
  m = design::next_manifest(spec, sd, m, p1, w1);
  EXPECT_TRUE(has_arg(m["points"][2], "--train.snapshot_budgets=100000000000,1000000000000"));
  EXPECT_FALSE(m["design"]["ended"].get<bool>());
  EXPECT_EQ(m["design"]["waves"], 2);
  sst::test::write_text(sd + "/sweep_manifest.json", m.dump(2));
  sst::rundir::RunSummary s;
  s.best_dev_loss = 1.0;
  std::filesystem::create_directories(sd + "/runs/d8_c1e12_s1");
  sst::rundir::write_summary(sst::rundir::RunDir(sd + "/runs/d8_c1e12_s1"), s);
  EXPECT_EQ(sst::test::run_tool("sst-sweep", {"status", sd, "--unfinished", "--stage", "ready"}).out, "1,2\n");
  EXPECT_EQ(sst::test::run_tool("sst-sweep", {"status", sd, "--unfinished", "--stage", "waiting"}).out, "3\n");
  const auto results = design::manifest_results(sd, m);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].point.model, "d8");
  EXPECT_EQ(results[0].wave, 0);
}

// Planning wave w again rewrites its lines and keeps the earlier waves'; a line that is not a decision is named.
TEST(AnalysisDesignWave, DesignLogKeepsEarlierWavesAndNamesABadLine) {
  design::Wave w;
  w.wave = 1;
  w.decisions = {{1, "extend", "d24", 1e12, "the loss falls toward d16"}};
  const std::string old = "{\"wave\":0,\"action\":\"start\",\"reason\":\"r\"}\n{\"wave\":1,\"action\":\"seed\"}\n";
  const std::string log = design::next_design_log(old, "design.jsonl", w);
  EXPECT_EQ(log,
            "{\"wave\":0,\"action\":\"start\",\"reason\":\"r\"}\n" + design::to_json(w.decisions[0]).dump() + "\n");
  EXPECT_EQ(design::next_design_log(log, "design.jsonl", w), log);
  for (const auto& [bad, what] :
       {std::make_pair("{\"wave\":0}\n{oops\n", "design.jsonl:2: not a JSON line"),
        std::make_pair("\n{\"wave\":\"0\"}\n", "design.jsonl:2: a decision without an integer")}) {
    try {
      design::next_design_log(bad, "design.jsonl", w);
      ADD_FAILURE() << bad;
    } catch (const sst::UserError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(what, 0), 0u) << e.what();
    }
  }
}
