// The printed summary of `sst-analyze fit`, from its FitReport (fit_report.h): every number at 3-4
// significant digits, and "n/a" wherever a value is not determined (never NaN).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "analysis/fit/fit_command.h"

namespace sst::analysis::fit {

std::string format_value(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string format_interval(const Interval& i, int digits) {
  if (!std::isfinite(i.lo) || !std::isfinite(i.hi)) return "n/a";
  return "[" + format_value(i.lo, digits) + ", " + format_value(i.hi, digits) + "]";
}

namespace {

std::string percent(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  const double p = 100 * v;
  std::snprintf(buf, sizeof buf, std::abs(p) >= 10 ? "%.0f%%" : "%.2g%%", p);
  return buf;
}

std::string pad(std::string s, size_t width) {
  // Pads by characters as displayed (UTF-8 continuation bytes take no column).
  size_t shown = 0;
  for (unsigned char c : s) shown += (c & 0xC0) != 0x80;
  s += std::string(shown < width ? width - shown : 1, ' ');  // at least one space between columns
  return s;
}

void print_input(const FitReport& r, std::ostream& out) {
  out << "fit: " << r.n_points << " runs from " << r.input;
  std::string extra;
  if (!r.excluded.empty()) extra += std::to_string(r.excluded.size()) + " highest-loss excluded";
  if (r.runs.held_out) extra += (extra.empty() ? "" : "; ") + std::to_string(r.runs.held_out) + " held out";
  for (const auto& [status, count] : r.runs.left_out_unfinished)
    extra += (extra.empty() ? "" : "; ") + std::to_string(count) + " " + status + " left out";
  if (!extra.empty()) out << " (" << extra << ")";
  out << "\n  N = " << r.columns.params << ", D = " << r.columns.tokens << " (" << r.tokens_meaning
      << "), L = " << r.columns.loss << "\n";
}

void print_parametric(const ParametricReport& p, int level, std::ostream& out) {
  out << "  approach 3 by " << p.method.name << " in " << format_value(p.method.seconds, 3) << " s";
  if (const auto& c = p.method.lbfgs_check)
    out << "; L-BFGS check (" << c->starts << " starts, " << format_value(c->seconds, 3) << " s): objective differs by "
        << format_value(c->relative_difference, 2) << " (relative)";
  const bool rejected = p.identifiability.verdict == Verdict::kNotIdentified;
  if (rejected)  // no number is shown as a result: the verdict and its reasons follow
    out << "\n  L(N, D) = E + A / N^alpha + B / D^beta: not identified, so no values are given\n";
  else
    out << "\n  L(N, D) = " << format_value(p.E) << " + " << format_value(p.A) << " / N^" << format_value(p.alpha)
        << " + " << format_value(p.B) << " / D^" << format_value(p.beta) << "   (objective "
        << format_value(p.objective) << ")\n";
  const LawIntervals& iv = p.intervals;
  if (iv.E) {
    out << "  " << level << "% bootstrap intervals (" << p.bootstrap.samples << " resamples):";
    for (const auto& [k, i] : {std::pair{"E", iv.E}, {"A", iv.A}, {"B", iv.B}, {"alpha", iv.alpha}, {"beta", iv.beta}})
      out << " " << k << " " << (i ? format_interval(*i) : "n/a");
    out << "\n";
  }
  std::string verdict = p.identifiability.line();
  const size_t colon = verdict.find(':');
  for (size_t i = 0; i < std::min(colon, verdict.size()); ++i)
    verdict[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(verdict[i])));
  out << "  identifiability: " << verdict << "\n";
  for (const auto& w : p.identifiability.warnings) out << "    note: " << w << "\n";
  const AllocationReport& al = p.allocation;
  if (rejected)
    out << "  compute-optimal (approach 3): not given (the law is not identified)\n";
  else if (std::isfinite(al.G))
    out << "  compute-optimal (approach 3): N_opt = " << format_value(al.G) << " (C/6)^" << format_value(al.n_exponent)
        << ", D_opt = (C/6)^" << format_value(al.d_exponent) << " / " << format_value(al.G) << "\n";
  else
    out << "  compute-optimal (approach 3): n/a (needs alpha, beta, A, B > 0)\n";
}

void print_approaches(const std::vector<ApproachReport>& approaches, int level, std::ostream& out) {
  out << "  allocation exponents, N_opt ∝ C^a and D_opt ∝ C^b (" << level << "% intervals):\n";
  for (const auto& a : approaches) {
    out << "    " << pad(a.approach, 42);
    if (a.skipped) {
      out << "skipped: " << *a.skipped << "\n";
      continue;
    }
    if (a.identifiability.verdict == Verdict::kNotIdentified) {  // the verdict and why, in place of numbers
      out << a.identifiability.line() << "\n";
      continue;
    }
    out << pad("a " + format_value(a.a, 3) + " " + format_interval(a.a_interval), 27)
        << pad("b " + format_value(a.b, 3) + " " + format_interval(a.b_interval), 27) << a.identifiability.line()
        << "\n";
  }
}

void print_holdout(const HoldoutReport& h, int level, std::ostream& out) {
  out << "  held out (" << h.expression << "): " << h.runs.size() << " run(s), ";
  if (h.not_predicted) {  // the observed losses only: a rejected law predicts none of them
    out << "none predicted: the law is " << *h.not_predicted << "\n";
    for (const auto& r : h.runs)
      out << "    " << pad(r.run.value_or("line " + std::to_string(r.line)), 24) << "observed "
          << format_value(r.observed) << "\n";
  } else {
    out << "mean |relative error| " << percent(h.mean_abs_relative_error) << ", max "
        << percent(h.max_abs_relative_error);
    if (h.coverage) out << ", " << percent(*h.coverage) << " inside the " << level << "% prediction interval";
    out << "\n";
    for (const auto& r : h.runs)
      out << "    " << pad(r.run.value_or("line " + std::to_string(r.line)), 24) << "observed "
          << format_value(r.observed) << ", predicted " << format_value(r.predicted) << " "
          << format_interval(r.interval) << ", error " << percent(r.relative_error) << "\n";
  }
  if (h.kaplan_not_predicted) out << "    Kaplan et al.'s form predicts none: " << *h.kaplan_not_predicted << "\n";
}

void print_which_n(const WhichNReport& w, std::ostream& out) {
  out << "  which N (by " << w.by << "): " << w.better << " is better;";
  for (const auto& f : w.fits) {
    out << " " << f.column << ": ";
    if (f.identifiability && f.identifiability->verdict == Verdict::kNotIdentified)
      out << f.identifiability->line();  // the verdict and why, in place of the exponents
    else
      out << "alpha " << format_value(f.alpha, 3) << ", a " << format_value(f.n_exponent, 3);
    if (f.holdout_mean_abs_relative_error) out << ", held-out error " << percent(*f.holdout_mean_abs_relative_error);
    out << ";";
  }
  out << "\n";
}

}  // namespace

void print_fit_summary(const FitReport& r, std::ostream& out) {
  const int level = static_cast<int>(std::lround(100 * r.parametric.bootstrap.level));
  print_input(r, out);
  print_parametric(r.parametric, level, out);
  print_approaches(r.approaches, level, out);
  const auto& k = r.kaplan;
  if (k && k->identifiability && k->identifiability->verdict == Verdict::kNotIdentified)
    out << "  Kaplan et al.'s form: " << k->identifiability->line() << "\n";
  else if (k)
    out << "  Kaplan et al.'s form: N_c = " << format_value(k->N_c) << ", D_c = " << format_value(k->D_c)
        << ", alpha_N = " << format_value(k->alpha_N) << ", alpha_D = " << format_value(k->alpha_D) << " (objective "
        << format_value(k->objective) << ")\n";
  if (r.holdout) print_holdout(*r.holdout, level, out);
  if (r.which_n) print_which_n(*r.which_n, out);
  const bool rejected = r.parametric.identifiability.verdict == Verdict::kNotIdentified;
  for (const auto& p : r.predictions) {
    out << "  C = " << format_value(p.flops, 3) << " FLOPs: ";
    if (rejected)
      out << "no prediction (the law is not identified)\n";
    else
      out << "N_opt = " << format_value(p.N_opt, 3) << ", D_opt = " << format_value(p.D_opt, 3)
          << ", loss = " << format_value(p.loss) << "\n";
  }
}

}  // namespace sst::analysis::fit
