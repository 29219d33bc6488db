// The identifiability verdict of a fit (identifiability.h).
#include "analysis/fit/identifiability.h"

#include <cmath>
#include <cstdio>

namespace sst::analysis::fit {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

std::string Identifiability::line() const {
  std::string s = verdict_name(verdict);
  for (size_t i = 0; i < reasons.size(); ++i) s += (i ? "; " : ": ") + reasons[i];
  return s;
}

void check_exponent(Identifiability& id, const std::string& name, double value, const Interval& ci) {
  if (!std::isfinite(value)) {
    id.fail(name + " is not determined by the data");
    return;
  }
  if (value < kMinExponent) {
    id.fail(name + " = " + num(value) + " is not above 0: that term does not decrease");
    return;
  }
  if (std::isnan(ci.lo) || std::isnan(ci.hi)) return;  // no bootstrap: nothing more to judge
  const std::string interval = name + "'s interval [" + num(ci.lo) + ", " + num(ci.hi) + "]";
  if (!(ci.lo >= kMinExponent)) {
    id.fail(interval + " reaches 0");
  } else if (ci.hi / ci.lo > kUnidentifiedRatio) {
    id.fail(interval + " spans more than a factor of " + num(kUnidentifiedRatio));
  } else if (ci.hi / ci.lo > kWeakRatio) {
    id.weaken(interval + " spans more than a factor of " + num(kWeakRatio));
  }
}

void check_design(Identifiability& id, size_t distinct_n, size_t distinct_d) {
  if (distinct_n < 3)
    id.fail("N takes " + std::to_string(distinct_n) + " distinct value(s) (the model-size term needs at least 3)");
  if (distinct_d < 3)
    id.fail("D takes " + std::to_string(distinct_d) + " distinct value(s) (the data term needs at least 3)");
}

Identifiability identify_law(const ScalingLaw& law, const Interval& alpha, const Interval& beta, const LawChecks& c) {
  Identifiability id;
  check_design(id, c.distinct_n, c.distinct_d);
  if (c.alpha_on_bound) id.fail("alpha = " + num(law.alpha) + " ended on its search bound");
  if (c.beta_on_bound) id.fail("beta = " + num(law.beta) + " ended on its search bound");
  if (c.A_zero) id.fail("A = 0: the data show no model-size term");
  if (c.B_zero) id.fail("B = 0: the data show no data-size term");
  check_exponent(id, "alpha", law.alpha, alpha);
  check_exponent(id, "beta", law.beta, beta);
  for (double v : {law.E, law.A, law.B})
    if (!std::isfinite(v)) {
      id.fail("a coefficient is not a finite number");
      break;
    }
  if (c.E_zero) id.warnings.push_back("E = 0: no irreducible loss is identified (the law tends to 0)");
  if (c.bootstrapped && c.failed_fraction > 0.1)
    id.weaken(num(100 * c.failed_fraction) + "% of the bootstrap resamples had no finite optimum");
  if (!c.bootstrapped) id.warnings.push_back("no bootstrap: the intervals were not checked (--bootstrap N)");
  return id;
}

}  // namespace sst::analysis::fit
