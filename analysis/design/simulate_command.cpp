// `sst-sweep simulate SWEEP.ini --law E,A,alpha,B,beta --noise SIGMA [--seed S] [--output DIR]`: the sweep
// file's adaptive design run against a hypothesized law (simulate.h); prints a summary and writes
// DIR/simulation.json and DIR/design.jsonl (each atomically, only once everything is computed).
#include "analysis/design/simulate_command.h"

#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>

#include "analysis/design/ladder.h"
#include "analysis/design/simulate.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"
#include "sweep/cli.h"
#include "sweep/sweep.h"

namespace po = boost::program_options;

namespace sst::analysis::design {
namespace {

const char* const kSimulateUsage =
    "Usage: sst-sweep simulate SWEEP.ini --law E,A,alpha,B,beta --noise SIGMA [--seed S] [--output DIR]\n"
    "Runs the sweep file's adaptive design ([design]) against L = E + A/N^alpha + B/D^beta (D = C / 6N, N from\n"
    "the sizes' shapes, non-embedding) with multiplicative Gaussian noise of relative size SIGMA, training\n"
    "nothing. Writes DIR/simulation.json and DIR/design.jsonl (default DIR: SWEEP_DIR/simulation).\n";

void print_summary(const Simulation& s, const Law& law) {
  std::printf("simulate: %zu runs in %d waves, %.4g FLOPs (%.4g without cooldown branches)\n", s.results.size(),
              s.waves.back().wave, s.flops, s.flops_without_branches);
  std::printf("stopped: %s\n", s.waves.back().stop_reason.c_str());
  for (const auto& b : s.waves.back().budgets)
    std::printf("  C = %-8.3g %s (minimum %s, %zu sizes)\n", b.budget, b.bracketed ? "bracketed  " : "unbracketed",
                b.minimum.empty() ? "-" : b.minimum.c_str(), b.sizes);
  if (s.verdict.identified)
    std::printf("a = %.4f, 90%% interval [%.4f, %.4f]", s.verdict.a, s.verdict.a_low, s.verdict.a_high);
  else
    std::printf("a %s", s.verdict.reason.c_str());
  if (law.A > 0 && law.B > 0) std::printf(" (the law's a = %.4f)", law.allocation_exponent());
  std::printf("\n");
  if (s.fixed.reached && s.verdict.identified)
    std::printf("fixed grid with the same verdict: %zu runs (%zu seed(s)), %.4g FLOPs; adaptive / fixed = %.3f\n",
                s.fixed.runs, s.fixed.seeds, s.fixed.flops, s.flops / s.fixed.flops);
  else
    std::printf("fixed grid (every size, %zu seed(s)): %zu runs, %.4g FLOPs, %s\n", s.fixed.seeds, s.fixed.runs,
                s.fixed.flops, s.fixed.reached ? "a identified" : s.fixed.verdict.reason.c_str());
}

}  // namespace

int simulate_command(int argc, char** argv) {
  std::string law_text, output;
  double sigma = 0;
  uint64_t seed = 1;
  OptionTable opts("simulate options", "--");
  opts.add_required("law", law_text, "E,A,alpha,B,beta", "the law the simulated runs follow (required)");
  opts.add_required("noise", sigma, "SIGMA", "relative Gaussian noise of a run's loss, in [0, 1) (required)",
                    half_open(0, 1));
  opts.add("seed", seed, "the noise's seed", {}, Resume::kMayChange, "S");
  opts.add("output", output, "folder of simulation.json and design.jsonl (default SWEEP_DIR/simulation)", {},
           Resume::kMayChange, "DIR");
  const po::variables_map vm = sweep::parse_command(argc, argv, opts.description(), "sweep-file", kSimulateUsage);
  const Law law = parse_law(law_text);
  const auto spec = sweep::parse_sweep_file(sweep::positional(vm, "sweep-file"));
  const PlannerInput in = planner_input(spec);
  const std::string dir = !output.empty() ? output : sweep::default_sweep_dir(spec) + "/simulation";
  ensure_output_dir(dir);
  const Simulation s = simulate(in, law, sigma, seed);
  const std::string json_path = dir + "/simulation.json", log_path = dir + "/design.jsonl";
  refuse_output_over_input(json_path, {spec.file, spec.base_config}, "simulation.json");
  refuse_output_over_input(log_path, {spec.file, spec.base_config}, "design.jsonl");
  write_text_atomically(log_path, design_log(s));
  write_text_atomically(json_path, to_json(s, in, law, sigma, seed).dump(2) + "\n");
  print_summary(s, law);
  std::printf("wrote %s, %s\n", json_path.c_str(), log_path.c_str());
  return 0;
}

}  // namespace sst::analysis::design
