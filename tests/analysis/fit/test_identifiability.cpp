// The identifiability verdict (analysis/fit/identifiability.cpp): each reason a law is not (or only weakly)
// identified, on its own, and the verdict line fit.json, the summary and the report print.
#include "analysis/fit/identifiability.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace sst::analysis::fit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const Interval kNone{kNaN, kNaN};  // no bootstrap

// A well-determined law: enough distinct N and D, a bootstrap, narrow intervals.
LawChecks good_checks() {
  LawChecks c;
  c.distinct_n = 5, c.distinct_d = 6, c.bootstrapped = true;
  return c;
}
const ScalingLaw kLaw{1.7, 400.0, 410.0, 0.34, 0.28};

TEST(AnalysisIdentifiability, VerdictNames) {
  EXPECT_EQ(verdict_name(Verdict::kIdentified), "identified");
  EXPECT_EQ(verdict_name(Verdict::kWeak), "weakly identified");
  EXPECT_EQ(verdict_name(Verdict::kNotIdentified), "not identified");
  EXPECT_EQ(parse_enum<Verdict>("weakly identified"), Verdict::kWeak);  // fit.json is read back by name
  EXPECT_FALSE(parse_enum<Verdict>("weak").has_value());
}

TEST(AnalysisIdentifiability, AWellDeterminedLawIsIdentified) {
  const Identifiability id = identify_law(kLaw, {0.30, 0.38}, {0.25, 0.31}, good_checks());
  EXPECT_EQ(id.verdict, Verdict::kIdentified);
  EXPECT_TRUE(id.reasons.empty());
  EXPECT_TRUE(id.warnings.empty());
  EXPECT_EQ(id.line(), "identified");
}

TEST(AnalysisIdentifiability, ExponentChecks) {
  auto verdict = [](double value, Interval ci) {
    Identifiability id;
    check_exponent(id, "alpha", value, ci);
    return id;
  };
  EXPECT_EQ(verdict(0.3, kNone).verdict, Verdict::kIdentified);  // nothing more to judge without intervals
  EXPECT_EQ(verdict(kNaN, kNone).line(), "not identified: alpha is not determined by the data");
  EXPECT_EQ(verdict(0.005, kNone).line(), "not identified: alpha = 0.005 is not above 0: that term does not decrease");
  EXPECT_EQ(verdict(0.3, {0.0, 0.5}).line(), "not identified: alpha's interval [0, 0.5] reaches 0");
  EXPECT_EQ(verdict(0.3, {0.02, 0.5}).line(),
            "not identified: alpha's interval [0.02, 0.5] spans more than a factor of 10");
  EXPECT_EQ(verdict(0.3, {0.1, 0.5}).line(),
            "weakly identified: alpha's interval [0.1, 0.5] spans more than a factor of 3");
  EXPECT_EQ(verdict(0.3, {0.2, 0.5}).verdict, Verdict::kIdentified);  // a factor of 2.5
}

TEST(AnalysisIdentifiability, TooFewDistinctSizesOrDataAmounts) {
  Identifiability id;
  check_design(id, 3, 3);
  EXPECT_EQ(id.verdict, Verdict::kIdentified);
  check_design(id, 1, 2);
  EXPECT_EQ(id.verdict, Verdict::kNotIdentified);
  ASSERT_EQ(id.reasons.size(), 2u);
  EXPECT_EQ(id.reasons[0], "N takes 1 distinct value(s) (the model-size term needs at least 3)");
  EXPECT_EQ(id.reasons[1], "D takes 2 distinct value(s) (the data term needs at least 3)");
}

TEST(AnalysisIdentifiability, EachLawCheckFailsOnItsOwn) {
  auto with = [](auto change) {
    LawChecks c = good_checks();
    change(c);
    return identify_law(kLaw, {0.30, 0.38}, {0.25, 0.31}, c);
  };
  EXPECT_EQ(with([](LawChecks& c) { c.alpha_on_bound = true; }).line(),
            "not identified: alpha = 0.34 ended on its search bound");
  EXPECT_EQ(with([](LawChecks& c) { c.beta_on_bound = true; }).line(),
            "not identified: beta = 0.28 ended on its search bound");
  EXPECT_EQ(with([](LawChecks& c) { c.A_zero = true; }).line(),
            "not identified: A = 0: the data show no model-size term");
  EXPECT_EQ(with([](LawChecks& c) { c.B_zero = true; }).line(),
            "not identified: B = 0: the data show no data-size term");
  EXPECT_EQ(with([](LawChecks& c) { c.distinct_d = 2; }).verdict, Verdict::kNotIdentified);
  EXPECT_EQ(with([](LawChecks& c) { c.failed_fraction = 0.2; }).line(),
            "weakly identified: 20% of the bootstrap resamples had no finite optimum");
  EXPECT_EQ(with([](LawChecks& c) { c.failed_fraction = 0.05; }).verdict, Verdict::kIdentified);
  // E = 0 and a missing bootstrap are warnings, not reasons.
  const Identifiability e_zero = with([](LawChecks& c) { c.E_zero = true; });
  EXPECT_EQ(e_zero.verdict, Verdict::kIdentified);
  ASSERT_EQ(e_zero.warnings.size(), 1u);
  EXPECT_EQ(e_zero.warnings[0], "E = 0: no irreducible loss is identified (the law tends to 0)");
  const Identifiability no_boot = with([](LawChecks& c) { c.bootstrapped = false; });
  EXPECT_EQ(no_boot.verdict, Verdict::kIdentified);
  EXPECT_EQ(no_boot.warnings.size(), 1u);
}

TEST(AnalysisIdentifiability, NonFiniteCoefficientsAndWorstVerdictWins) {
  ScalingLaw law = kLaw;
  law.A = std::numeric_limits<double>::infinity();
  EXPECT_EQ(identify_law(law, {0.30, 0.38}, {0.25, 0.31}, good_checks()).line(),
            "not identified: a coefficient is not a finite number");
  // A weak interval and a failed check: not identified, both reasons kept in order.
  LawChecks c = good_checks();
  c.A_zero = true;
  const Identifiability id = identify_law(kLaw, {0.1, 0.5}, {0.25, 0.31}, c);
  EXPECT_EQ(id.verdict, Verdict::kNotIdentified);
  ASSERT_EQ(id.reasons.size(), 2u);
  EXPECT_EQ(id.line(),
            "not identified: A = 0: the data show no model-size term; alpha's interval [0.1, 0.5] spans more than a "
            "factor of 3");
}

}  // namespace
}  // namespace sst::analysis::fit
