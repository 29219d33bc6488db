// What the tests of analysis/design share: a sweep file of 12 sizes (d_model 8..384, N 1.9e3..3.6e6), 4 FLOP
// budgets 1e11..1e14, 4 seeds and cooldown branches, with the [design] keys a test gives, and its planner input.
#pragma once
#include <string>

#include "analysis/design/ladder.h"
#include "analysis/design/planner.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace sst::analysis::design::test {

// Writes base.ini and sim.ini into dir; returns sim.ini. `budget_extra` goes at the end of [budget].
inline std::string sweep_file(const sst::test::TempDir& dir, const std::string& design_keys,
                              const std::string& budget_extra = "") {
  sst::test::write_text(dir / "base.ini", "[model]\nlayers = 2\n[train]\nlr = 1e-3\n");
  std::string s = "[sweep]\nname = sim\nbase_config = base.ini\nseeds = 1, 2, 3, 4\n[models]\nnames = ";
  std::string sections;
  for (int d : {8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384}) {
    s += (d == 8 ? "d" : ", d") + std::to_string(d);
    sections += "[model.d" + std::to_string(d) + "]\nd_model = " + std::to_string(d) +
                "\nheads = 2\nff_dim = " + std::to_string(4 * d) + "\n";
  }
  s += "\n" + sections + "[budget]\nflops = 1e11, 1e12, 1e13, 1e14\ncooldown_branches = true\n" + budget_extra +
       "[design]\n" + design_keys;
  sst::test::write_text(dir / "sim.ini", s);
  return dir / "sim.ini";
}

// The planner's input from that sweep file.
inline PlannerInput input(const std::string& design_keys) {
  sst::test::TempDir dir("design");
  return planner_input(sst::sweep::parse_sweep_file(sweep_file(dir, design_keys)));
}

}  // namespace sst::analysis::design::test
