// `sst-sweep simulate`: the wave planner run against a hypothesized law instead of training. A point (size N,
// budget C, seed) has loss L(N, D) (1 + SIGMA z), D = C / (6 N), z a standard normal drawn from a hash of
// (--seed, size, budget, seed): the same point gets the same loss in every simulation of one --seed, whatever
// the order. A researcher checks a design with it before spending compute; the tests prove the planner with it.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/design/planner.h"

namespace sst::analysis::design {

// L(N, D) = E + A / N^alpha + B / D^beta (Chinchilla's form); N_opt ∝ C^(beta / (alpha + beta)).
struct Law {
  double E = 0, A = 0, alpha = 0, B = 0, beta = 0;
  double loss(double n, double d) const;
  double allocation_exponent() const { return beta / (alpha + beta); }
};
// "E,A,alpha,B,beta" (five numbers, E >= 0, A and B >= 0, alpha and beta > 0); throws UserError naming --law.
Law parse_law(const std::string& text);

double simulated_loss(const PlannerInput& in, const Law& law, double sigma, uint64_t seed, const PointKey& p);

// The same verdict from a fixed grid: every ladder size that trains a budget, at every budget, with the first
// k seeds, for the smallest k (1..seeds_max) whose grid brackets every budget and identifies a.
struct FixedGrid {
  bool reached = false;  // some k reached the adaptive design's verdict (else: k = seeds_max)
  size_t seeds = 0, runs = 0;
  double flops = 0;
  Verdict verdict;
};

struct Simulation {
  std::vector<Wave> waves;  // every wave planned, the last one the stop
  std::vector<Result> results;
  Verdict verdict;
  double flops = 0;                   // compute trained (cooldown branches count their cooldown only)
  double flops_without_branches = 0;  // the sum of the runs' budgets
  FixedGrid fixed;
};
Simulation simulate(const PlannerInput& in, const Law& law, double sigma, uint64_t seed);

// simulation.json and design.jsonl (one decision a line).
nlohmann::json to_json(const Simulation& s, const PlannerInput& in, const Law& law, double sigma, uint64_t seed);
std::string design_log(const Simulation& s);

}  // namespace sst::analysis::design
