// A sweep directory's run states and sweep.csv (sweep/aggregate.cpp): columns, rows and states from fake
// finished runs, what a launcher does with each point (branches wait for their parent), clear errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "sweep/sweep.h"
#include "sweep_fixtures.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using sst::test::TempDir;
using sst::test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace sst::sweep::test;  // NOLINT(google-build-using-namespace): the shared fixtures

TEST(SweepAggregate, ColumnsRowsAndStates) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  const std::string sd = dir / "sd";
  auto points = sst::sweep::expand(spec, sd);
  sst::sweep::write_manifest(spec, sd, points, false);
  fake_summary(sd + "/runs/xs_f0.25_s1", "completed", 0.5, 10);
  fake_summary(sd + "/runs/xs_f0.25_s2", "early_stopped", 0.625, 30);
  // The hyperparameters: config.ini's over summary.json's, also for a run that has not finished.
  const std::string ini =
      "[model]\nd_model = 96\nlayers = 3\nheads = 6\nff_dim = 384\nmax_len = 64\ndropout = 0\n"
      "[train]\nglobal_batch = 16\nlr = 0.002\nwarmup_steps = 5\nweight_decay = 0.01\n";
  write_text(sd + "/runs/xs_f0.25_s2/config.ini", ini);
  fs::create_directories(sd + "/runs/xs_f0.5_s1");
  write_text(sd + "/runs/xs_f0.5_s1/config.ini", ini);
  // running: a live launcher marker (this process); failed: a marker with the exit code;
  // interrupted: a step checkpoint but no summary; stale marker (dead pid on this host) -> not running.
  fs::create_directories(sd + "/runs/xs_f0.5_s1");
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string h(host);
  h = h.substr(0, h.find('.'));
  write_text(sd + "/runs/xs_f0.5_s1/.sweep_running", h + " " + std::to_string(getpid()) + "\n");
  fs::create_directories(sd + "/runs/xs_f0.5_s2");
  write_text(sd + "/runs/xs_f0.5_s2/.sweep_failed", "1\n");
  fs::create_directories(sd + "/runs/xs_f1_s1/checkpoints");
  write_text(sd + "/runs/xs_f1_s1/checkpoints/step_00000010.pt", "x");
  write_text(sd + "/runs/xs_f1_s1/.sweep_running", h + " 999999999\n");

  const std::string path = sst::sweep::aggregate(sd, "", false);
  EXPECT_EQ(path, sd + "/sweep.csv");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line,
            "run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,best_dev_loss,"
            "best_dev_acc,epochs,wall_s,world_size,status,seed,steps,tokens_at_best,flops_at_best,lr_at_best,schedule,"
            "budget,budget_tokens,budget_flops,parent,branch_step,flops_spent,d_model,layers,heads,ff_dim,max_len,"
            "dropout,global_batch,lr,warmup_steps,weight_decay");
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(split_line(line));
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_THAT(rows[0], ElementsAre("xs_f0.25_s1", "xs", "100000", "20000", "0.25", "123456", "200000", "24000000000",
                                   "0.5", "0.75", "1.5", "10", "2", "completed", "1", "40", "0", "0", "", "", "", "0",
                                   "0", "", "-1", "0", "64", "2", "4", "256", "48", "0.1", "32", "", "", ""));
  EXPECT_EQ(rows[1][13], "early_stopped");
  const std::vector<std::string> hyper{"96", "3", "6", "384", "64", "0", "16", "0.002", "5", "0.01"};
  EXPECT_EQ(std::vector<std::string>(rows[1].begin() + 26, rows[1].end()), hyper);
  EXPECT_EQ(std::vector<std::string>(rows[2].begin() + 26, rows[2].end()), hyper);
  EXPECT_EQ(rows[2][13], "running");
  EXPECT_EQ(rows[3][13], "failed");
  EXPECT_EQ(rows[4][13], "interrupted");
  EXPECT_EQ(rows[5][13], "missing");
  EXPECT_EQ(rows[5][0], "xs_f1_s2");
  EXPECT_EQ(rows[5][4], "1");  // fraction and seed from the manifest when there is no summary
  EXPECT_EQ(rows[5][14], "2");
  EXPECT_EQ(rows[5][2], "");  // no numbers for unfinished points
  for (const auto& r : rows) EXPECT_EQ(r.size(), 36u);

  sst::sweep::aggregate(sd, dir / "fin.csv", true);
  std::ifstream fin(dir / "fin.csv");
  int n = 0;
  while (std::getline(fin, line)) ++n;
  EXPECT_EQ(n, 3);  // header + 2 finished

  auto states = sst::sweep::run_states(sd, sst::sweep::read_manifest(sd));
  auto p = sst::sweep::progress(states, 2);
  EXPECT_EQ(p.done, 2u);
  EXPECT_EQ(p.running, 1u);
  EXPECT_EQ(p.left, 9u);
  EXPECT_EQ(p.failed, 1u);
  ASSERT_TRUE(p.eta_s.has_value());
  // xs runs: mean 20 s each: 3 left + 1 running (half) = 70 s; s runs: overall mean 20 s x 6 = 120 s; / 2.
  EXPECT_DOUBLE_EQ(*p.eta_s, (3 * 20 + 10 + 6 * 20) / 2.0);
  EXPECT_THAT(sst::sweep::progress_line(p), HasSubstr("2/12 done, 1 running, 9 left"));
}

TEST(SweepAggregate, UnreadableConfigIsAnErrorNamingIt) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  const std::string sd = dir / "sd";
  sst::sweep::write_manifest(spec, sd, sst::sweep::expand(spec, sd), false);
  fake_summary(sd + "/runs/xs_f0.25_s1", "completed", 0.5, 10);
  write_text(sd + "/runs/xs_f0.25_s1/config.ini", "[model\nd_model = 96\n");
  try {
    sst::sweep::aggregate(sd, "", false);
    FAIL() << "a damaged config.ini was accepted";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("xs_f0.25_s1/config.ini"));
  }
  EXPECT_FALSE(fs::exists(sd + "/sweep.csv"));  // no partial output
}

TEST(SweepAggregate, NoManifestIsAClearError) {
  TempDir dir("sweep");
  try {
    sst::sweep::aggregate(dir.path(), "", false);
    FAIL();
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sweep_manifest.json"));
  }
}

// A branch waits for its parent to finish; --stage splits the array a Slurm submission makes.
TEST(SweepBudgets, BranchesWaitForTheirParent) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, kBudget));
  const std::string sd = dir / "sd";
  sst::sweep::write_manifest(spec, sd, sst::sweep::expand(spec, sd), false);
  auto states = sst::sweep::run_states(sd, sst::sweep::read_manifest(sd));
  EXPECT_EQ(states[0].parent, "xs_c4e12_s1");
  EXPECT_EQ(sst::sweep::launcher_action(states, 0), "wait");
  EXPECT_EQ(sst::sweep::launcher_action(states, 2), "run");
  fake_summary(sd + "/runs/xs_c4e12_s1", "completed", 0.5, 10);
  states = sst::sweep::run_states(sd, sst::sweep::read_manifest(sd));
  EXPECT_EQ(sst::sweep::launcher_action(states, 0), "run");
  EXPECT_EQ(sst::sweep::launcher_action(states, 2), "skip");
  EXPECT_EQ(sst::sweep::launcher_action(states, 3), "wait");  // s's parent has not run

  const auto st = sst::test::run_tool("sst-sweep", {"status", sd, "--unfinished", "--stage", "main"});
  EXPECT_EQ(st.out, "4\n");  // xs_c4e12_s1 is finished
  const auto br = sst::test::run_tool("sst-sweep", {"status", sd, "--unfinished", "--stage", "branches"});
  EXPECT_EQ(br.out, "0,1,3\n");
  const auto act = sst::test::run_tool("sst-sweep", {"status", sd, "--index", "3", "--action"});
  EXPECT_EQ(act.out, "wait\n");
  const auto parent = sst::test::run_tool(
      "sst-sweep", {"expand", dir / "sweep.ini", "--sweep-dir", sd, "--index", "0", "--field", "parent"});
  EXPECT_EQ(parent.out, "xs_c4e12_s1\n");

  // The new columns: the point's budget and parent from the manifest.
  sst::sweep::aggregate(sd, "", false);
  std::ifstream in(sd + "/sweep.csv");
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  const auto cols = split_line(header), cells = split_line(row);
  const auto at = [&](const std::string& c) {
    return cells[static_cast<size_t>(std::find(cols.begin(), cols.end(), c) - cols.begin())];
  };
  EXPECT_EQ(at("run"), "xs_c1e12_s1");
  EXPECT_EQ(at("budget"), "1000000000000");
  EXPECT_EQ(at("parent"), "xs_c4e12_s1");
}
