// Whether a fitted law says something: a verdict with its reasons, for fit.json, the printed summary and the
// report. A parameter is not identified when the data cannot pin it down: too few distinct sizes or data
// amounts, an exponent at or below zero or on the search bound, a bootstrap interval spanning an order of
// magnitude (or reaching zero), or a value that is not a number. A fit whose parameters are identified but
// whose 90% intervals of the exponents span more than a factor of 3 is "weakly identified".
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "analysis/fit/scaling_fit.h"
#include "common/enum_names.h"

namespace sst::analysis::fit {

enum class Verdict { kIdentified, kWeak, kNotIdentified };
}  // namespace sst::analysis::fit

namespace sst {
template <>
struct EnumNames<analysis::fit::Verdict> {
  using V = analysis::fit::Verdict;
  static constexpr std::array<std::pair<V, const char*>, 3> kNames{
      {{V::kIdentified, "identified"}, {V::kWeak, "weakly identified"}, {V::kNotIdentified, "not identified"}}};
};
}  // namespace sst

namespace sst::analysis::fit {
inline std::string verdict_name(Verdict v) { return enum_name(v); }  // as written in fit.json and the report

struct Identifiability {
  Verdict verdict = Verdict::kIdentified;
  std::vector<std::string> reasons;   // why not (or only weakly) identified
  std::vector<std::string> warnings;  // worth knowing, not disqualifying (e.g. E = 0)
  void fail(const std::string& why) { verdict = Verdict::kNotIdentified, reasons.push_back(why); }
  void weaken(const std::string& why) {
    if (verdict == Verdict::kIdentified) verdict = Verdict::kWeak;
    reasons.push_back(why);
  }
  std::string line() const;  // "not identified: reason; reason"
};

// Thresholds: an exponent below kMinExponent counts as zero; an interval wider than kWeakRatio (hi/lo) is
// weak, wider than kUnidentifiedRatio is not identified.
constexpr double kMinExponent = 0.01;
constexpr double kWeakRatio = 3.0;
constexpr double kUnidentifiedRatio = 10.0;

// One positive quantity with its bootstrap interval (lo, hi; NaN when there was no bootstrap).
void check_exponent(Identifiability& id, const std::string& name, double value, const Interval& interval);

struct LawChecks {
  size_t distinct_n = 0, distinct_d = 0;
  bool alpha_on_bound = false, beta_on_bound = false;  // a bounded search ended on a bound
  bool E_zero = false, A_zero = false, B_zero = false;
  double failed_fraction = 0;  // bootstrap resamples without a finite optimum
  bool bootstrapped = false;
};
Identifiability identify_law(const ScalingLaw& law, const Interval& alpha, const Interval& beta,
                             const LawChecks& checks);
// The design's part of every parametric form's verdict (Chinchilla's and Kaplan's): a law in N and D is
// not identified from fewer than 3 distinct N or 3 distinct D, however well it fits (40 copies of one
// run fit any exponent).
void check_design(Identifiability& id, size_t distinct_n, size_t distinct_d);

}  // namespace sst::analysis::fit
