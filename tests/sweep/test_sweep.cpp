// Sweep files (sweep/sweep.h, sweep.cpp): one clear error per bad file naming the file and line, the
// shipped sweeps parse, numbers in names and arguments, and the manifest guarded by the sweep's hash.
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

TEST(SweepFile, BadFilesGiveOneClearError) {
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases{
      {"ranks = 2", "rank = 2", "unknown key 'sweep.rank'"},
      {"patience = 3", "patiense = 3", "unknown key 'budget.patiense'"},
      {"[overrides]", "[extra]", "unknown key 'extra.train.lr'"},
      {"train.lr = 2e-3", "lr = 2e-3", "unknown key 'overrides.lr'"},
      {"train.lr = 2e-3", "bogus.lr = 2e-3", "unknown key 'overrides.bogus.lr'"},
      {"fractions = 1/4, 0.5, 1", "fractions = ", "sweep.fractions is empty"},
      {"seeds = 1, 2", "seeds =", "sweep.seeds is empty"},
      {"names = xs, s", "names = ", "models.names is empty"},
      {"fractions = 1/4, 0.5, 1", "fractions = 0.5, 1.5", "sweep.fractions: '1.5' must be a number in (0, 1]"},
      {"fractions = 1/4, 0.5, 1", "fractions = 0, 1", "sweep.fractions: '0' must be a number in (0, 1]"},
      {"fractions = 1/4, 0.5, 1", "fractions = -0.5", "sweep.fractions = '-0.5' must be a number in (0, 1]"},
      {"fractions = 1/4, 0.5, 1", "fractions = half", "sweep.fractions = 'half' must be a number"},
      {"fractions = 1/4, 0.5, 1", "fractions = 0.5, 1/2", "1/2 is listed twice"},
      {"seeds = 1, 2", "seeds = 1, x", "sweep.seeds: 'x'"},
      {"names = xs, s", "names = xs, s, m", "unknown model name 'm'"},
      {"names = xs, s", "names = xs", "section [model.s] is not listed"},
      {"names = xs, s", "names = xs, xs, s", "'xs' is listed twice"},
      {"base_config = base.ini", "base_config = nope.ini", "nope.ini not found"},
      {"base_config = base.ini", "", "sweep.base_config is required"},
      {"max_steps = 40", "", "needs max_steps > 0, epochs"},
      {"max_steps = 40", "max_steps = many", "budget.max_steps = 'many'"},
      {"eval_every = 10", "eval_every = 0", "budget.eval_every = '0' must be an integer >= 1"},
      {"ranks = 2", "ranks = 0", "sweep.ranks = '0'"},
      {"model.max_len = 48", "data.fraction = 0.5", "'overrides.data.fraction' cannot be overridden"},
      {"model.max_len = 48", "train.seed = 3", "'overrides.train.seed' cannot be overridden"},
      {"model.max_len = 48", "train.threads = 3", "'overrides.train.threads' cannot be overridden"},
      {"ff_dim = 64", "ff_dim = 64\nff_dim = 65", "key 'model.xs.ff_dim' is given twice"},
      {"name = t", "name = a b", "sweep.name 'a b'"},
      {"[model.s]", "[model.s.2]", "in [model.s] (model names are letters, digits"},
      {"d_model = 48\nheads = 4\ntrain.lr = 5e-4\n", "", "no [model.s] section (or it is empty"},
  };
  for (const auto& c : cases) {
    const std::string text = c.to.empty() ? replaced(kGood, c.from + "\n", "") : replaced(kGood, c.from, c.to);
    const std::string err = error_of(text);
    EXPECT_THAT(err, HasSubstr(c.expect)) << "case: " << c.from << " -> " << c.to;
    EXPECT_THAT(err, HasSubstr("sweep file ")) << "case: " << c.from << " -> " << c.to;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
}

TEST(SweepFile, MissingFile) { EXPECT_THROW(sst::sweep::parse_sweep_file("/nonexistent/sweep.ini"), sst::UserError); }

TEST(SweepFile, ShippedSweepsParse) {
  for (const char* name : {"ci_tiny.ini", "example.ini"}) {
    auto spec = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/" + name);
    EXPECT_GT(sst::sweep::expand(spec, "x").size(), 0u) << name;
  }
  // The ablation study behind configs/sst2_best.ini (launch/ablations.sh): 3 seeds per model.
  for (const char* name : {"sst2_best.ini", "vocab_word8k.ini", "tokenizer_unigram8k.ini"}) {
    auto spec = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/ablations/" + name);
    EXPECT_EQ(sst::sweep::expand(spec, "x").size(), 3 * spec.models.size()) << name;
  }
  auto ci = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/ci_tiny.ini");
  EXPECT_EQ(sst::sweep::expand(ci, "x").size(), 4u);
  auto ex = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/example.ini");
  EXPECT_THAT(ex.fractions.front(), 1.0 / 64);
  EXPECT_EQ(ex.fractions.back(), 1.0);
}

TEST(SweepNumbers, ShortestRoundTrip) {
  EXPECT_EQ(sst::sweep::format_number(1.0 / 64), "0.015625");
  EXPECT_EQ(sst::sweep::format_number(0.1), "0.1");
  EXPECT_EQ(sst::sweep::format_number(1), "1");
  EXPECT_EQ(sst::sweep::format_number(1.0 / 3), "0.3333333333333333");
}

TEST(SweepNumbers, CompactBudgets) {
  EXPECT_EQ(sst::sweep::compact_number(1e13), "1e13");
  EXPECT_EQ(sst::sweep::compact_number(3.2e14), "3.2e14");
  EXPECT_EQ(sst::sweep::compact_number(5e6), "5e6");
  EXPECT_EQ(sst::sweep::compact_number(1500), "1500");
  EXPECT_EQ(sst::sweep::compact_number(2.5e-3), "0.0025");
}

TEST(SweepManifest, WrittenAndGuardedByTheHash) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  const std::string sd = dir / "sd";
  auto points = sst::sweep::expand(spec, sd);
  sst::sweep::write_manifest(spec, sd, points, false);
  json m = sst::sweep::read_manifest(sd);
  EXPECT_EQ(m["sweep_hash"], spec.hash);
  EXPECT_EQ(m["count"], 12);
  EXPECT_EQ(m["points"][3]["run"], "xs_f0.5_s2");
  EXPECT_EQ(m["points"][3]["run_dir"], "runs/xs_f0.5_s2");
  sst::sweep::write_manifest(spec, sd, points, false);  // same content: fine
  auto changed = sst::sweep::parse_sweep_file(write_sweep(dir, replaced(kGood, "seeds = 1, 2", "seeds = 1")));
  auto p2 = sst::sweep::expand(changed, sd);
  try {
    sst::sweep::write_manifest(changed, sd, p2, false);
    FAIL() << "a different sweep file into the same dir must be refused";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("different sweep file"));
  }
  sst::sweep::write_manifest(changed, sd, p2, true);
  EXPECT_EQ(sst::sweep::read_manifest(sd)["count"], 6);
}

TEST(SweepBudgets, BadBudgetGridsGiveOneClearError) {
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases = {
      {"flops = 1e12, 2e12, 4e12", "flops = 1e12, 0", "budget.flops: '0' must be a number > 0"},
      {"flops = 1e12, 2e12, 4e12", "flops = 1e12, 1e12", "listed twice"},
      {"flops = 1e12, 2e12, 4e12", "flops = 1e12\ntokens = 5", "give one budget grid"},
      {"eval_every = 10", "eval_every = 10\nmax_steps = 40", "both set the run length"},
      {"eval_every = 10", "eval_every = 10\nepochs = 3", "both set the run length"},
      {"eval_every = 10", "eval_every = 10\npatience = 3", "patience must be 0"},
      {"cooldown_branches = true", "cooldown_branches = maybe", "must be true or false"},
      {"d_model = 32", "d_model = 32\ntrain.schedule = cosine", "needs train.schedule = wsd"},
      {"d_model = 32", "d_model = 32\ntrain.max_flops = 5", "cannot be set with budget.flops"},
      {"d_model = 32", "d_model = 32\ntrain.branch_from = x", "cannot be set per model"},
      {"budgets = 1e12, 4e12", "budgets = 1e12, -4", "model.s.budgets: '-4' must be a number > 0"},
      {"flops = 1e12, 2e12, 4e12", "tokens = 1.5, 3", "not a whole number of tokens"},
  };
  for (const auto& c : cases) {
    const std::string err = error_of(replaced(kBudget, c.from, c.to));
    EXPECT_THAT(err, HasSubstr(c.expect)) << "case: " << c.from << " -> " << c.to;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
  // A model's own budget list needs a budget grid.
  EXPECT_THAT(error_of(replaced(kGood, "train.lr = 5e-4", "train.lr = 5e-4\nbudgets = 1e12")),
              HasSubstr("needs a budget grid"));
}
