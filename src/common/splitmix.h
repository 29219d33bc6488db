// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014, with
// the constants of Vigna's splitmix64.c): the next 64 bits of a stream that is the same on every machine,
// compiler and rank, for the sampler's permutations (shard/sampler.cpp) and the simulator's noise
// (analysis/design/simulate.cpp).
#pragma once

#include <cstdint>

namespace sst {

// Advances `state` and returns the next 64 random bits.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace sst
