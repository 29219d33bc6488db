// The numbers an option or a config field accepts (used by the option tables, common/options.h, and the
// field tables of the configs). No Boost, no torch.
#pragma once
#include <limits>
#include <string>

namespace sst {

// The numbers an option accepts: [lo, hi], either end open. Every floating-point option must also be
// finite.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;

  bool contains(double v) const { return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi); }
  std::string text() const;  // "must be > 0", "must be in [0, 1)"
};
inline Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
inline Range above(double lo) { return {lo, std::numeric_limits<double>::infinity(), true, false}; }
inline Range closed(double lo, double hi) { return {lo, hi, false, false}; }
inline Range half_open(double lo, double hi) { return {lo, hi, false, true}; }  // [lo, hi)
inline Range left_open(double lo, double hi) { return {lo, hi, true, false}; }  // (lo, hi]

}  // namespace sst
