// The adaptive design's keys (sweep/design.h: [design]), through the sweep file: the defaults, each key read,
// and one clear error naming the key (or the section) for each thing the planner cannot work with. The
// planner itself is tests/analysis/design's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "sweep/sweep.h"
#include "sweep_fixtures.h"
#include "test_support.h"

using sst::test::TempDir;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// Three sizes, two seeds, a FLOP grid (`budget`), then [design] with `keys`.
std::string design_file(const std::string& keys, const std::string& budget = "flops = 1e12, 1e13\n",
                        const std::string& sweep_extra = "") {
  return "[sweep]\nname = d\nbase_config = base.ini\nseeds = 1, 2\n" + sweep_extra +
         "[models]\nnames = xs, s, m\n[model.xs]\nd_model = 16\n[model.s]\nd_model = 32\n[model.m]\nd_model = 64\n"
         "[budget]\n" +
         budget + "[design]\n" + keys;
}

sst::sweep::Design parsed(const std::string& keys) {
  TempDir dir("design");
  const auto spec = sst::sweep::parse_sweep_file(sst::sweep::test::write_sweep(dir, design_file(keys)));
  EXPECT_TRUE(spec.design.has_value());
  return spec.design.value_or(sst::sweep::Design{});
}

std::string error(const std::string& keys, const std::string& budget = "flops = 1e12, 1e13\n",
                  const std::string& sweep_extra = "") {
  return sst::sweep::test::error_of(design_file(keys, budget, sweep_extra));
}

}  // namespace

TEST(SweepDesign, DefaultsStartFromEveryModelWithOneSeed) {
  const auto d = parsed("cap_flops = 1e15\n");
  EXPECT_THAT(d.start, ElementsAre("xs", "s", "m"));
  EXPECT_EQ(d.seeds_start, 1u);
  EXPECT_EQ(d.seeds_max, 2u);  // every seed of [sweep] seeds
  EXPECT_EQ(d.separation, 1.0);
  EXPECT_EQ(d.stop, "bracketed");
  EXPECT_EQ(d.cap_flops, 1e15);
  EXPECT_EQ(d.bootstrap, 200u);
  EXPECT_EQ(d.max_waves, 50u);
}

TEST(SweepDesign, EveryKeyIsRead) {
  const auto d = parsed(
      "start = m, xs\nseeds_start = 2\nseeds_max = 2\nseparation = 1.5\nstop = bracketed\ncap_flops = 2e15\n"
      "bootstrap = 50\nmax_waves = 7\n");
  EXPECT_THAT(d.start, ElementsAre("m", "xs"));
  EXPECT_EQ(d.seeds_start, 2u);
  EXPECT_EQ(d.seeds_max, 2u);
  EXPECT_EQ(d.separation, 1.5);
  EXPECT_EQ(d.cap_flops, 2e15);
  EXPECT_EQ(d.bootstrap, 50u);
  EXPECT_EQ(d.max_waves, 7u);
}

TEST(SweepDesign, WhatThePlannerCannotUseIsOneErrorNamingIt) {
  EXPECT_THAT(error("start = xs, l\ncap_flops = 1e15\n"), HasSubstr("design.start: 'l' is not in models.names"));
  EXPECT_THAT(error("start = xs, xs\ncap_flops = 1e15\n"), HasSubstr("design.start: 'xs' is listed twice"));
  EXPECT_THAT(error("seeds_max = 3\ncap_flops = 1e15\n"),
              HasSubstr("design.seeds_max = '3' must be an integer in [1, 2]"));
  EXPECT_THAT(error("seeds_start = 2\nseeds_max = 1\ncap_flops = 1e15\n"),
              HasSubstr("design.seeds_start = 2 is above design.seeds_max = 1"));
  EXPECT_THAT(error("stop = patience\ncap_flops = 1e15\n"), HasSubstr("the stopping rule is 'bracketed'"));
  EXPECT_THAT(error("separation = 2\n"), HasSubstr("design.cap_flops is required"));
  EXPECT_THAT(error("cap_flops = 1e15\n", "max_steps = 40\n", "fractions = 1\n"),
              HasSubstr("[design] needs a FLOP budget grid"));
  EXPECT_THAT(error("cap_flops = 1e15\n", "flops = 1e12, 1e13\n", "fractions = 0.5, 1\n"),
              HasSubstr("give no [sweep] fractions (or one)"));
  EXPECT_THAT(error("start = l\ncap_flops = 1e15\n"), ContainsRegex("sweep\\.ini:[0-9]+: design\\.start"))
      << "the error names the file and line";
}
