// The sweep file's key tables (sweep/sweep_keys.h): each key read into its section with the numbers it
// parses to (lists, ratios, true/false), [model.NAME] keys split into the sweep's own and sst-train's, the
// trainer keys kept in file order; and what one key can get wrong on its own named with the file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "sweep/sweep.h"
#include "sweep/sweep_keys.h"
#include "sweep_fixtures.h"
#include "test_support.h"

using sst::test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace sst::sweep::test;  // NOLINT(google-build-using-namespace): the shared fixtures

namespace {

sst::sweep::SweepSections sections(const std::string& text) {
  const sst::sweep::SweepErrors errors("s.ini");
  return sst::sweep::read_sweep_sections(text, "s.ini", errors);
}

// read_sweep_sections' one-line error for `text` ("" when it reads).
std::string sections_error(const std::string& text) {
  try {
    sections(text);
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SweepKeys, EachKeyParsesAsItsTableSays) {
  const auto s = sections(
      "[sweep]\nname = t\nranks = 2\nfractions = 1/4, 0.5 1\nseeds = 3, 1\n"
      "[budget]\nflops = 1e12, 3e12\ncooldown_branches = true\n"
      "[design]\ncap_flops = 2e16\nseeds_start = 2\n");
  EXPECT_EQ(s.sweep.at("name").text, "t");
  EXPECT_EQ(s.sweep.at("name").line, 2);
  EXPECT_THAT(s.sweep.at("ranks").integers, ElementsAre(2));
  EXPECT_THAT(s.sweep.at("fractions").numbers, ElementsAre(0.25, 0.5, 1.0));  // a ratio, commas or spaces
  EXPECT_THAT(s.sweep.at("seeds").integers, ElementsAre(3, 1));               // in the order given
  EXPECT_THAT(s.budget.at("flops").numbers, ElementsAre(1e12, 3e12));
  EXPECT_TRUE(s.budget.at("cooldown_branches").flag);
  EXPECT_THAT(s.design.at("cap_flops").numbers, ElementsAre(2e16));
  EXPECT_THAT(s.design.at("seeds_start").integers, ElementsAre(2));
  EXPECT_FALSE(sections("[budget]\ncooldown_branches = false\n").budget.at("cooldown_branches").flag);
}

TEST(SweepKeys, ModelSectionsSplitTheSweepsKeysFromTheTrainers) {
  const auto s = sections(
      "[model.s]\nd_model = 48\nbudgets = 1e12, 4e12\ntrain.lr = 5e-4\n"
      "[model.xs]\nepochs_scale = 2\nlayers = 1\n"
      "[overrides]\ntrain.lr = 2e-3\nmodel.max_len = 48\n");
  EXPECT_THAT(s.model_order, ElementsAre("s", "xs"));  // order of first appearance
  EXPECT_THAT(s.model_keys.at("s").at("budgets").numbers, ElementsAre(1e12, 4e12));
  EXPECT_THAT(s.model_keys.at("xs").at("epochs_scale").numbers, ElementsAre(2.0));
  // A bare key of a model section is a [model] key of sst-train; the rest keep their section.
  const auto& trainer = s.model_trainer.at("s");
  ASSERT_EQ(trainer.size(), 2u);
  EXPECT_EQ(trainer[0].first, "model.d_model");
  EXPECT_EQ(trainer[0].second.text, "48");
  EXPECT_EQ(trainer[1].first, "train.lr");
  ASSERT_EQ(s.overrides.size(), 2u);
  EXPECT_EQ(s.overrides[0].first, "train.lr");
  EXPECT_EQ(s.overrides[1].first, "model.max_len");
  EXPECT_EQ(s.overrides[1].second.line, 10);
}

// Every error of one key is one line, "sweep file PATH:LINE: ..." with the key's own line.
TEST(SweepKeys, OneKeysErrorNamesTheFileAndItsLine) {
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases{
      {"[sweep]\nname = t\nrank = 2\n", "sweep file s.ini:3: unknown key 'sweep.rank' (known in [sweep]: name,"},
      {"[sweep]\nranks = 0\n", "sweep file s.ini:2: sweep.ranks = '0' must be an integer in [1, 100000]"},
      {"[sweep]\nfractions = 1/0\n",
       "sweep file s.ini:2: sweep.fractions = '1/0' must be a number in (0, 1] (or a "
       "ratio such as 1/4)"},
      {"[sweep]\nseeds = \n", "sweep file s.ini:2: sweep.seeds is empty"},
      {"[budget]\ncooldown_branches = yes\n",
       "sweep file s.ini:2: budget.cooldown_branches = 'yes' must be true or false"},
      {"[budget]\npatience = 2\npatience = 3\n", "sweep file s.ini:3: key 'budget.patience' is given twice"},
      {"[design]\nbootstrap = 10\n", "sweep file s.ini:2: design.bootstrap = '10' must be an integer in [20, 100000]"},
      {"[overrides]\ntrain.seed = 3\n",
       "sweep file s.ini:2: 'overrides.train.seed' cannot be overridden: the sweep "
       "sets it from [sweep] seeds"},
      {"[overrides]\nlr = 1\n", "sweep file s.ini:2: unknown key 'overrides.lr': [overrides] takes sst-train keys"},
      {"[model.s]\ntrain.threads = 2\n", "sweep file s.ini:2: 'model.s.train.threads' cannot be set per model"},
      {"[model.s]\nmodel.d-model = 2\n", "sweep file s.ini:2: unknown key 'model.s.model.d-model' in [model.s]"},
      {"[model]\nd_model = 2\n", "sweep file s.ini:2: unknown key 'model.d_model' (model sections are named"},
      {"[extra]\nx = 1\n", "sweep file s.ini:2: unknown key 'extra.x' (sections: [sweep] [models]"},
  };
  for (const auto& c : cases) {
    const std::string err = sections_error(c.text);
    EXPECT_THAT(err, HasSubstr(c.expect)) << c.text;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
}

// The same through parse_sweep_file, with the line of the key in kGood after the replacement.
TEST(SweepKeys, AKeysErrorInASweepFileNamesFileAndLine) {
  struct Case {
    std::string from, to, expect;
    int line;  // of kGood after the replacement
  };
  const std::vector<Case> cases{
      {"patience = 3", "patiense = 3", "unknown key 'budget.patiense' (known in [budget]: max_steps, epochs,", 26},
      {"ranks = 2", "ranks = two", "sweep.ranks = 'two' must be an integer in [1, 100000]", 5},
      {"max_steps = 40", "max_steps = 4e1", "budget.max_steps = '4e1' must be an integer >= 0", 24},
      {"seeds = 1, 2", "seeds = 1, -2", "sweep.seeds: '-2' must be an integer >= 0", 7},
      {"eval_every = 10", "eval_every = 10\npatience = 2", "key 'budget.patience' is given twice", 27},
      {"patience = 3", "patience = 3\ncheckpoint_every = 1e", "budget.checkpoint_every = '1e' must be an integer", 27},
      {"ff_dim = 64", "ff_dim = 64\nbudgets = 1e12\nepochs_scale = x",
       "model.xs.epochs_scale = 'x' must be a number > 0", 18},
      {"model.max_len = 48", "model.max_len = 48\nno equals sign", "invalid line", 31},
  };
  for (const auto& c : cases) {
    TempDir dir("sweep-line");
    const std::string path = write_sweep(dir, replaced(kGood, c.from, c.to));
    std::string err;
    try {
      sst::sweep::parse_sweep_file(path);
    } catch (const sst::UserError& e) {
      err = e.what();
    }
    EXPECT_THAT(err, HasSubstr("sweep file " + path + ":" + std::to_string(c.line) + ": ")) << c.to;
    EXPECT_THAT(err, HasSubstr(c.expect)) << c.to;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
}

// The tables docs/sweeps.md documents: every key once, each with its help.
TEST(SweepKeys, TablesDeclareEachKeyOnceWithHelp) {
  for (const auto* table :
       {&sst::sweep::sweep_section_keys(), &sst::sweep::models_section_keys(), &sst::sweep::budget_section_keys(),
        &sst::sweep::design_section_keys(), &sst::sweep::model_section_keys()}) {
    std::set<std::string> seen;
    for (const auto& k : *table) {
      EXPECT_TRUE(seen.insert(k.key).second) << k.key << " declared twice";
      EXPECT_GT(std::string(k.help).size(), 5u) << k.key;
    }
  }
}
