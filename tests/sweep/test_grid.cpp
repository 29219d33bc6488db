// A sweep file expanded into its grid points (sweep/grid.cpp): count, order and run names, the sst-train
// arguments of every layer once, budgets and epochs, and cooldown branches of budget grids.
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

TEST(SweepExpand, CountOrderAndNames) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  auto points = sst::sweep::expand(spec, dir / "out");
  ASSERT_EQ(points.size(), 2u * 3u * 2u);
  std::vector<std::string> names;
  for (const auto& p : points) names.push_back(p.run);
  EXPECT_EQ(names.front(), "xs_f0.25_s1");
  EXPECT_EQ(names[1], "xs_f0.25_s2");  // seeds fastest, then fractions, then models
  EXPECT_EQ(names[2], "xs_f0.5_s1");
  EXPECT_EQ(names[5], "xs_f1_s2");
  EXPECT_EQ(names[6], "s_f0.25_s1");
  EXPECT_EQ(names.back(), "s_f1_s2");
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(points[i].index, i);
    EXPECT_EQ(points[i].ranks, 2);
    EXPECT_EQ(points[i].run_dir, "runs/" + points[i].run);
  }
}

TEST(SweepExpand, ArgumentsCarryEveryLayerOnce) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  auto points = sst::sweep::expand(spec, dir / "out");
  const auto& xs = points[0].args;
  EXPECT_EQ(xs[0], "--config");
  EXPECT_EQ(xs[1], fs::canonical(dir / "base.ini").string());  // relative to the sweep file, made absolute
  EXPECT_TRUE(has_arg(xs, "--out-dir"));
  EXPECT_TRUE(has_arg(xs, fs::path(dir / "out").lexically_normal().string() + "/runs/xs_f0.25_s1"));
  EXPECT_TRUE(has_arg(xs, "auto"));
  for (const char* a : {"--output.run_name=xs_f0.25_s1", "--data.fraction=0.25", "--train.seed=1",
                        "--train.max_steps=40", "--train.eval_every=10", "--train.patience=3", "--model.max_len=48",
                        "--model.d_model=32", "--model.layers=1", "--train.lr=2e-3"})
    EXPECT_TRUE(has_arg(xs, a)) << a;
  // The model section wins over [overrides]; each key appears once (sst-train rejects repeats).
  const auto& s = points[6].args;
  EXPECT_TRUE(has_arg(s, "--train.lr=5e-4"));
  EXPECT_FALSE(has_arg(s, "--train.lr=2e-3"));
  int lr = 0;
  for (const auto& a : s) lr += a.rfind("--train.lr=", 0) == 0;
  EXPECT_EQ(lr, 1);
  EXPECT_FALSE(has_arg(s, "--model.layers=1"));
}

TEST(SweepExpand, EpochBudgetAndDataOverride) {
  TempDir dir("sweep");
  std::string text = replaced(kGood, "max_steps = 40", "epochs = 2.5");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, text), dir / "d.h5");
  auto p = sst::sweep::expand(spec, dir / "out").front();
  EXPECT_TRUE(has_arg(p.args, "--train.max_steps=0"));
  EXPECT_TRUE(has_arg(p.args, "--train.epochs=2.5"));
  EXPECT_TRUE(has_arg(p.args, "--data"));
  EXPECT_TRUE(has_arg(p.args, fs::path(dir / "d.h5").lexically_normal().string()));
}

TEST(SweepExpand, HashFollowsTheContent) {
  TempDir dir("sweep");
  auto a = sst::sweep::parse_sweep_file(write_sweep(dir));
  auto b = sst::sweep::parse_sweep_file(write_sweep(dir, replaced(kGood, "seeds = 1, 2", "seeds = 1, 3")));
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_NE(a.hash, b.hash);
}

TEST(SweepBudgets, FlopsGridExpandsWithBudgetsAndBranches) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, kBudget));
  EXPECT_EQ(spec.budget.kind, sst::sweep::BudgetKind::kFlops);
  EXPECT_FALSE(spec.fractions_given);
  const auto points = sst::sweep::expand(spec, dir / "sd");
  std::vector<std::string> names;
  for (const auto& p : points) names.push_back(p.run);
  // models x budgets (xs: the sweep's three, s: its own two) x seeds; no fraction in the names (all data).
  EXPECT_THAT(names, ElementsAre("xs_c1e12_s1", "xs_c2e12_s1", "xs_c4e12_s1", "s_c1e12_s1", "s_c4e12_s1"));
  const std::string runs = fs::path(dir / "sd").lexically_normal().string() + "/runs/";
  // The largest budget of a size trains in full and keeps the snapshots of the smaller ones...
  const auto& main_xs = points[2].args;
  EXPECT_TRUE(has_arg(main_xs, "--train.max_flops=4000000000000"));
  EXPECT_TRUE(has_arg(main_xs, "--train.snapshot_budgets=1000000000000,2000000000000"));
  EXPECT_TRUE(has_arg(main_xs, "--train.schedule=wsd"));
  EXPECT_TRUE(has_arg(main_xs, "--train.max_steps=0"));
  EXPECT_TRUE(has_arg(main_xs, "--data.fraction=1"));
  EXPECT_EQ(points[2].parent, "");
  // ... and the smaller ones branch from it.
  EXPECT_EQ(points[0].parent, "xs_c4e12_s1");
  EXPECT_TRUE(has_arg(points[0].args, "--train.branch_from=" + runs + "xs_c4e12_s1"));
  EXPECT_TRUE(has_arg(points[0].args, "--train.max_flops=1000000000000"));
  EXPECT_EQ(points[3].parent, "s_c4e12_s1");
  EXPECT_EQ(points[3].budget, 1e12);
  const json m = sst::sweep::manifest_json(spec, dir / "sd", points);
  EXPECT_EQ(m["budget_kind"], "flops");
  EXPECT_EQ(m["points"][0]["parent"], "xs_c4e12_s1");
  EXPECT_EQ(m["points"][0]["budget"], 1e12);
  EXPECT_FALSE(m["points"][2].contains("parent"));

  // Without branches every point trains its budget from scratch, schedule as the base config says.
  auto plain = sst::sweep::parse_sweep_file(write_sweep(dir, replaced(kBudget, "cooldown_branches = true\n", "")));
  for (const auto& p : sst::sweep::expand(plain, dir / "sd2")) {
    EXPECT_EQ(p.parent, "");
    EXPECT_FALSE(has_arg(p.args, "--train.schedule=wsd"));
  }
  // Token budgets, with fractions: names carry both.
  auto tokens = sst::sweep::parse_sweep_file(
      write_sweep(dir, replaced(replaced(replaced(kBudget, "flops = 1e12, 2e12, 4e12", "tokens = 5e5, 1e6"),
                                         "budgets = 1e12, 4e12\n", ""),
                                "seeds = 1", "seeds = 1\nfractions = 1/2, 1")));
  const auto tp = sst::sweep::expand(tokens, dir / "sd3");
  EXPECT_EQ(tp.size(), 2u * 2u * 2u);
  EXPECT_EQ(tp[0].run, "xs_f0.5_t5e5_s1");
  EXPECT_TRUE(has_arg(tp[0].args, "--train.max_tokens=500000"));
}

// One run length per fraction: smaller subsets train more epochs, each run's schedule spanning its own length.
TEST(SweepBudgets, EpochsPerFraction) {
  TempDir dir("sweep");
  const std::string text = replaced(kGood, "max_steps = 40", "epochs = 8, 4, 2");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, text));
  EXPECT_EQ(spec.budget.epochs_per_fraction, (std::vector<double>{8, 4, 2}));
  const auto points = sst::sweep::expand(spec, dir / "sd");
  EXPECT_TRUE(has_arg(points[0].args, "--data.fraction=0.25"));
  EXPECT_TRUE(has_arg(points[0].args, "--train.epochs=8"));
  EXPECT_TRUE(has_arg(points[2].args, "--train.epochs=4"));
  EXPECT_TRUE(has_arg(points[5].args, "--train.epochs=2"));
  EXPECT_THAT(error_of(replaced(kGood, "max_steps = 40", "epochs = 8, 4")), HasSubstr("2 values for 3 fractions"));
  // eval_every likewise: short runs evaluate often.
  auto ev =
      sst::sweep::parse_sweep_file(write_sweep(dir, replaced(replaced(kGood, "max_steps = 40", "epochs = 8, 4, 2"),
                                                             "eval_every = 10", "eval_every = 5, 10, 20")));
  const auto evp = sst::sweep::expand(ev, dir / "sd2");
  EXPECT_TRUE(has_arg(evp[0].args, "--train.eval_every=5"));
  EXPECT_TRUE(has_arg(evp[5].args, "--train.eval_every=20"));
  EXPECT_THAT(error_of(replaced(kGood, "eval_every = 10", "eval_every = 5, 10")),
              HasSubstr("2 values for 3 fractions"));
  EXPECT_THAT(error_of(replaced(kGood, "max_steps = 40", "epochs = 8, x, 2")), HasSubstr("budget.epochs: 'x'"));
}

// A size's epochs_scale multiplies the epochs of every fraction for that size only.
TEST(SweepBudgets, EpochsScalePerModel) {
  TempDir dir("sweep");
  const std::string text = replaced(replaced(kGood, "max_steps = 40", "epochs = 8, 4, 2"), "ff_dim = 64\n",
                                    "ff_dim = 64\nepochs_scale = 2.5\n");
  const auto points = sst::sweep::expand(sst::sweep::parse_sweep_file(write_sweep(dir, text)), dir / "sd");
  ASSERT_EQ(points.size(), 12u);  // xs then s, 3 fractions x 2 seeds each
  EXPECT_TRUE(has_arg(points[0].args, "--train.epochs=20"));
  EXPECT_TRUE(has_arg(points[5].args, "--train.epochs=5"));
  EXPECT_TRUE(has_arg(points[6].args, "--train.epochs=8"));  // s is not scaled
  // One epochs value for all fractions is scaled too.
  const auto one = sst::sweep::expand(
      sst::sweep::parse_sweep_file(write_sweep(dir, replaced(replaced(kGood, "max_steps = 40", "epochs = 3"),
                                                             "ff_dim = 64\n", "ff_dim = 64\nepochs_scale = 2\n"))),
      dir / "sd2");
  EXPECT_TRUE(has_arg(one[0].args, "--train.epochs=6"));
  EXPECT_TRUE(has_arg(one[6].args, "--train.epochs=3"));
  EXPECT_THAT(error_of(replaced(kGood, "ff_dim = 64\n", "ff_dim = 64\nepochs_scale = 2\n")),
              HasSubstr("model.xs.epochs_scale needs [budget] epochs"));
  EXPECT_THAT(error_of(replaced(replaced(kGood, "max_steps = 40", "epochs = 3"), "ff_dim = 64\n",
                                "ff_dim = 64\nepochs_scale = -1\n")),
              HasSubstr("model.xs.epochs_scale = '-1' must be a number > 0"));
}
