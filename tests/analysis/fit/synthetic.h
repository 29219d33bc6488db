// Synthetic scaling-law data for the analysis tests: losses drawn from a known L(N, D) with multiplicative
// log-normal noise, on a log-spaced grid of (N, D).
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit::testing {

// The "true" law of the tests (close to Hoffmann et al.'s fitted values).
inline ScalingLaw true_law() { return ScalingLaw{1.7, 400.0, 410.0, 0.34, 0.28}; }

// n_count x d_count points, N in [1e6, 1e9] and D in [1e8, 1e11] (log-spaced), loss * exp(noise * z).
// Box-Muller on mt19937_64 instead of std::normal_distribution, whose output is library-specific.
inline Data synthetic(const ScalingLaw& law, int n_count, int d_count, double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0; };
  Data d;
  for (int i = 0; i < n_count; ++i)
    for (int j = 0; j < d_count; ++j) {
      const double n = std::pow(10.0, 6 + 3.0 * i / (n_count - 1));
      const double t = std::pow(10.0, 8 + 3.0 * j / (d_count - 1));
      const double z = std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform());
      d.n.push_back(n);
      d.d.push_back(t);
      d.loss.push_back(law.loss(n, t) * std::exp(noise * z));
    }
  return d;
}

}  // namespace sst::analysis::fit::testing

namespace sst::analysis::fit::testing {

// Multiplicative log-normal noise from a seeded stream (Box-Muller: portable, unlike std::normal_distribution).
class Noise {
 public:
  Noise(double sigma, uint64_t seed) : sigma_(sigma), rng_(seed) {}
  double operator()() {
    auto uniform = [&] { return (static_cast<double>(rng_() >> 11) + 0.5) / 9007199254740992.0; };
    return std::exp(sigma_ * std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform()));
  }

 private:
  double sigma_;
  std::mt19937_64 rng_;
};

// A 3 x 3 sweep whose loss does not depend on N at all (N 1e5 to 1e6, D 1e6 to 1e8, 1% noise): no law in
// N and D is identified from it.
inline Data no_n_term_sweep() {
  Noise noise(0.01, 2);
  Data d;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      d.n.push_back(std::pow(10.0, 5 + i * 0.5));
      d.d.push_back(std::pow(10.0, 6 + j));
      d.loss.push_back((0.45 + 30 / std::pow(d.d.back(), 0.4)) * noise());
    }
  return d;
}

}  // namespace sst::analysis::fit::testing
