// The printed summary of `sst-analyze fit`, from its fit.json (fit_command.h): every number at 3-4
// significant digits, and "n/a" wherever a value is not determined (never NaN).
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "analysis/fit/fit_command.h"

using nlohmann::json;

namespace sst::analysis::fit {

std::string format_value(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string format_value(const json& v, int digits) {
  if (!v.is_number()) return "n/a";
  return format_value(v.get<double>(), digits);
}

std::string format_interval(const json& i, int digits) {
  if (!i.is_array() || i.size() != 2 || !i[0].is_number() || !i[1].is_number()) return "n/a";
  return "[" + format_value(i[0], digits) + ", " + format_value(i[1], digits) + "]";
}

namespace {

std::string percent(const json& v) {
  if (!v.is_number()) return "n/a";
  char buf[32];
  const double p = 100 * v.get<double>();
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

}  // namespace

void print_fit_summary(const json& j, std::ostream& out) {
  const json& runs = j["runs"];
  out << "fit: " << j["n_points"].get<size_t>() << " runs from " << j["input"].get<std::string>();
  std::string extra;
  if (!j["excluded"].empty()) extra += std::to_string(j["excluded"].size()) + " highest-loss excluded";
  if (runs["held_out"].get<size_t>())
    extra += (extra.empty() ? "" : "; ") + std::to_string(runs["held_out"].get<size_t>()) + " held out";
  for (const auto& [status, count] : runs["left_out_unfinished"].items())
    extra += (extra.empty() ? "" : "; ") + std::to_string(count.get<size_t>()) + " " + status + " left out";
  if (!extra.empty()) out << " (" << extra << ")";
  out << "\n  N = " << j["columns"]["params"].get<std::string>()
      << ", D = " << j["columns"]["tokens"].get<std::string>() << " (" << j["tokens_meaning"].get<std::string>()
      << "), L = " << j["columns"]["loss"].get<std::string>() << "\n";
  const json& m = j["method"];
  out << "  approach 3 by " << m["name"].get<std::string>() << " in " << format_value(m["seconds"], 3) << " s";
  if (m.contains("lbfgs_check")) {
    const json& c = m["lbfgs_check"];
    out << "; L-BFGS check (" << c["starts"].get<size_t>() << " starts, " << format_value(c["seconds"], 3)
        << " s): objective differs by " << format_value(c["relative_difference"], 2) << " (relative)";
  }
  out << "\n  L(N, D) = " << format_value(j["E"]) << " + " << format_value(j["A"]) << " / N^"
      << format_value(j["alpha"]) << " + " << format_value(j["B"]) << " / D^" << format_value(j["beta"])
      << "   (objective " << format_value(j["objective"]) << ")\n";
  const json& iv = j["intervals"];
  const int level = static_cast<int>(std::lround(100 * j["bootstrap"]["level"].get<double>()));
  if (!iv.empty()) {
    out << "  " << level << "% bootstrap intervals (" << j["bootstrap"]["samples"].get<size_t>() << " resamples):";
    for (const char* k : {"E", "A", "B", "alpha", "beta"}) out << " " << k << " " << format_interval(iv[k]);
    out << "\n";
  }
  const json& id = j["identifiability"];
  std::string verdict = id["verdict"].get<std::string>();
  for (auto& ch : verdict) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  out << "  identifiability: " << verdict;
  for (size_t i = 0; i < id["reasons"].size(); ++i) out << (i ? "; " : ": ") << id["reasons"][i].get<std::string>();
  out << "\n";
  for (const auto& w : id["warnings"]) out << "    note: " << w.get<std::string>() << "\n";
  const json& al = j["allocation"];
  if (al["G"].is_number())
    out << "  compute-optimal (approach 3): N_opt = " << format_value(al["G"]) << " (C/6)^"
        << format_value(al["n_exponent"]) << ", D_opt = (C/6)^" << format_value(al["d_exponent"]) << " / "
        << format_value(al["G"]) << "\n";
  else
    out << "  compute-optimal (approach 3): n/a (needs alpha, beta, A, B > 0)\n";

  out << "  allocation exponents, N_opt ∝ C^a and D_opt ∝ C^b (" << level << "% intervals):\n";
  for (const auto& a : j["approaches"]) {
    out << "    " << pad(a["approach"].get<std::string>(), 42);
    if (a.contains("skipped")) {
      out << "skipped: " << a["skipped"].get<std::string>() << "\n";
      continue;
    }
    out << pad("a " + format_value(a["a"], 3) + " " + format_interval(a["a_interval"]), 27)
        << pad("b " + format_value(a["b"], 3) + " " + format_interval(a["b_interval"]), 27)
        << a["verdict"].get<std::string>() << "\n";
  }
  if (j.contains("kaplan")) {
    const json& k = j["kaplan"];
    out << "  Kaplan et al.'s form: N_c = " << format_value(k["N_c"]) << ", D_c = " << format_value(k["D_c"])
        << ", alpha_N = " << format_value(k["alpha_N"]) << ", alpha_D = " << format_value(k["alpha_D"])
        << " (objective " << format_value(k["objective"]) << ")\n";
  }
  if (j.contains("holdout")) {
    const json& h = j["holdout"];
    out << "  held out (" << h["expression"].get<std::string>() << "): " << h["runs"].size()
        << " run(s), mean |relative error| " << percent(h["mean_abs_relative_error"]) << ", max "
        << percent(h["max_abs_relative_error"]);
    if (h.contains("coverage"))
      out << ", " << percent(h["coverage"]) << " inside the " << level << "% prediction interval";
    out << "\n";
    for (const auto& r : h["runs"])
      out << "    " << pad(r.value("run", "line " + std::to_string(r["line"].get<size_t>())), 24) << "observed "
          << format_value(r["observed"]) << ", predicted " << format_value(r["predicted"]) << " "
          << format_interval(r["interval"]) << ", error " << percent(r["relative_error"]) << "\n";
  }
  if (j.contains("which_n")) {
    const json& w = j["which_n"];
    out << "  which N (by " << w["by"].get<std::string>() << "): " << w["better"].get<std::string>() << " is better;";
    for (const auto& f : w["fits"]) {
      out << " " << f["column"].get<std::string>() << ": alpha " << format_value(f["alpha"], 3) << ", a "
          << format_value(f["n_exponent"], 3);
      if (f.contains("holdout_mean_abs_relative_error"))
        out << ", held-out error " << percent(f["holdout_mean_abs_relative_error"]);
      out << ";";
    }
    out << "\n";
  }
  for (const auto& p : j["predictions"])
    out << "  C = " << format_value(p["flops"], 3) << " FLOPs: N_opt = " << format_value(p["N_opt"], 3)
        << ", D_opt = " << format_value(p["D_opt"], 3) << ", loss = " << format_value(p["loss"]) << "\n";
}

}  // namespace sst::analysis::fit
