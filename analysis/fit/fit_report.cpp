// fit.json <-> FitReport (fit_report.h): one visitor per record, `f(key, field)`, keeps each key, its type
// and its place in one spot; the writer and the reader below are the only code that spells a key.
#include "analysis/fit/fit_report.h"

#include <cmath>
#include <exception>

#include "common/error.h"

using nlohmann::json;

namespace sst::analysis::fit {
namespace {

template <class F>
void fields(FitColumns& s, F&& f) {
  f("params", s.params);
  f("tokens", s.tokens);
  f("loss", s.loss);
}
template <class F>
void fields(RunCounts& s, F&& f) {
  f("rows", s.rows);
  f("finished", s.finished);
  f("fitted", s.fitted);
  f("held_out", s.held_out);
  f("left_out_unfinished", s.left_out_unfinished);
}
template <class F>
void fields(ExcludedRun& s, F&& f) {
  f("line", s.line);
  f("params", s.params);
  f("tokens", s.tokens);
  f("loss", s.loss);
}
template <class F>
void fields(BootstrapSettings& s, F&& f) {
  f("samples", s.samples);
  f("seed", s.seed);
  f("failed_fits", s.failed_fits);
  f("level", s.level);
  f("percentiles", s.percentiles);
}
template <class F>
void fields(StartGridReport& s, F&& f) {
  f("a", s.a);
  f("b", s.b);
  f("e", s.e);
  f("alpha", s.alpha);
  f("beta", s.beta);
  f("starts", s.starts);
  f("converged_starts", s.converged_starts);
  f("best_start_initial", s.best_start_initial);
}
template <class F>
void fields(LbfgsCheck& s, F&& f) {
  f("objective", s.objective);
  f("starts", s.starts);
  f("seconds", s.seconds);
  f("relative_difference", s.relative_difference);
  f("alpha", s.alpha);
  f("beta", s.beta);
}
template <class F>
void fields(SearchBounds& s, F&& f) {
  f("alpha", s.alpha);
  f("beta", s.beta);
  f("E, A, B", s.coefficients);
}
template <class F>
void fields(MethodReport& s, F&& f) {
  f("name", s.name);
  f("seconds", s.seconds);
  f("grid", s.grid);
  f("bootstrap_starts_per_fit", s.bootstrap_starts_per_fit);
  f("profile_evaluations", s.profile_evaluations);
  f("bounds", s.bounds);
  f("lbfgs_check", s.lbfgs_check);
}
template <class F>
void fields(Identifiability& s, F&& f) {
  f("verdict", s.verdict);
  f("reasons", s.reasons);
  f("warnings", s.warnings);
}
template <class F>
void fields(AllocationReport& s, F&& f) {
  f("G", s.G);
  f("n_exponent", s.n_exponent);
  f("d_exponent", s.d_exponent);
  f("formula", s.formula);
}
template <class F>
void fields(LawIntervals& s, F&& f) {
  f("E", s.E);
  f("A", s.A);
  f("B", s.B);
  f("alpha", s.alpha);
  f("beta", s.beta);
  f("G", s.G);
  f("n_exponent", s.n_exponent);
  f("d_exponent", s.d_exponent);
}
template <class F>
void fields(ParametricReport& s, F&& f) {
  f("model", s.model);
  f("method", s.method);
  f("E", s.E);
  f("A", s.A);
  f("B", s.B);
  f("alpha", s.alpha);
  f("beta", s.beta);
  f("objective", s.objective);
  f("identifiability", s.identifiability);
  f("allocation", s.allocation);
  f("intervals", s.intervals);
  f("bootstrap", s.bootstrap);
}
template <class F>
void fields(KaplanIntervals& s, F&& f) {
  f("alpha_N", s.alpha_N);
  f("alpha_D", s.alpha_D);
}
template <class F>
void fields(KaplanReport& s, F&& f) {
  f("model", s.model);
  f("N_c", s.N_c);
  f("D_c", s.D_c);
  f("alpha_N", s.alpha_N);
  f("alpha_D", s.alpha_D);
  f("objective", s.objective);
  f("starts", s.starts);
  f("intervals", s.intervals);
  f("identifiability", s.identifiability);
}
template <class F>
void fields(IsoflopProfileReport& s, F&& f) {
  f("flops", s.flops);
  f("sizes", s.sizes);
  f("n_opt", s.n_opt);
  f("loss_opt", s.loss_opt);
  f("bracketed", s.bracketed);
}
template <class F>
void fields(ApproachReport& s, F&& f) {
  f("approach", s.approach);
  f("skipped", s.skipped);
  if (s.skipped) return;  // a skipped approach has nothing else
  f("a", s.a);
  f("a_interval", s.a_interval);
  f("b", s.b);
  f("b_interval", s.b_interval);
  f("points", s.points);
  f("verdict", s.identifiability.verdict);
  f("reasons", s.identifiability.reasons);
  f("note", s.note);
  f("profiles", s.profiles);
}
template <class F>
void fields(PredictionIntervals& s, F&& f) {
  f("N_opt", s.N_opt);
  f("D_opt", s.D_opt);
  f("loss", s.loss);
}
template <class F>
void fields(PredictionReport& s, F&& f) {
  f("flops", s.flops);
  f("N_opt", s.N_opt);
  f("D_opt", s.D_opt);
  f("loss", s.loss);
  f("intervals", s.intervals);
}
template <class F>
void fields(LawIsoflopReport& s, F&& f) {
  f("flops", s.flops);
  f("N_min", s.N_min);
  f("D_min", s.D_min);
  f("loss_min", s.loss_min);
}
template <class F>
void fields(SingleVariableReport& s, F&& f) {
  f("variable", s.variable);
  f("fixed", s.fixed);
  f("fixed_value", s.fixed_value);
  f("n_points", s.n_points);
  f("skipped", s.skipped);
  if (s.skipped) return;
  f("E", s.E);
  f("A", s.A);
  f("alpha", s.alpha);
  f("objective", s.objective);
  f("alpha_interval", s.alpha_interval);
  f("identifiability", s.identifiability);
}
template <class F>
void fields(SingleVariableFits& s, F&& f) {
  f("loss_vs_params", s.loss_vs_params);
  f("loss_vs_tokens", s.loss_vs_tokens);
}
template <class F>
void fields(ResidualsReport& s, F&& f) {
  f("median_abs", s.median_abs);
  f("max_abs", s.max_abs);
}
template <class F>
void fields(HeldOutRun& s, F&& f) {
  f("line", s.line);
  f("run", s.run);
  f("params", s.params);
  f("tokens", s.tokens);
  f("observed", s.observed);
  f("predicted", s.predicted);
  f("relative_error", s.relative_error);
  f("interval", s.interval);
  f("inside", s.inside);
  f("kaplan_predicted", s.kaplan_predicted);
}
template <class F>
void fields(HoldoutReport& s, F&& f) {
  f("expression", s.expression);
  f("runs", s.runs);
  f("mean_abs_relative_error", s.mean_abs_relative_error);
  f("max_abs_relative_error", s.max_abs_relative_error);
  f("coverage", s.coverage);
  f("kaplan_not_predicted", s.kaplan_not_predicted);
  f("not_predicted", s.not_predicted);
}
template <class F>
void fields(WhichNFit& s, F&& f) {
  f("column", s.column);
  f("alpha", s.alpha);
  f("beta", s.beta);
  f("objective", s.objective);
  f("n_exponent", s.n_exponent);
  f("holdout_mean_abs_relative_error", s.holdout_mean_abs_relative_error);
  f("identifiability", s.identifiability);
}
template <class F>
void fields(WhichNReport& s, F&& f) {
  f("fits", s.fits);
  f("better", s.better);
  f("by", s.by);
}
template <class F>
void fields(FitReport& s, F&& f) {
  f("input", s.input);
  f("columns", s.columns);
  f("tokens_meaning", s.tokens_meaning);
  f("runs", s.runs);
  f("n_points", s.n_points);
  f("n_input_points", s.n_input_points);
  f("delta", s.delta);
  f("excluded", s.excluded);
  fields(s.parametric, f);  // Chinchilla's form is the file's top level
  f("kaplan", s.kaplan);
  f("approaches", s.approaches);
  f("predictions", s.predictions);
  f("isoflop", s.isoflop);
  f("single_variable", s.single_variable);
  f("residuals_log", s.residuals_log);
  f("holdout", s.holdout);
  f("which_n", s.which_n);
  f("fit_seconds", s.fit_seconds);
  f("plots", s.plots);
}

// ---- writing ----
json put(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }  // JSON has no NaN
json put(size_t v) { return v; }
json put(bool v) { return v; }
json put(const std::string& v) { return v; }
json put(Verdict v) { return verdict_name(v); }
json put(const Interval& i) { return json::array({put(i.lo), put(i.hi)}); }
json put(const std::map<std::string, size_t>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}
template <class T>
json put(const std::vector<T>& v);
template <class Record>
json put(const Record& r);

struct Writer {
  json& j;
  template <class T>
  void operator()(const char* key, T& v) {
    j[key] = put(v);
  }
  template <class T>
  void operator()(const char* key, std::optional<T>& v) {
    if (v) j[key] = put(*v);
  }
};
template <class T>
json put(const std::vector<T>& v) {
  json j = json::array();
  for (const auto& x : v) j.push_back(put(x));
  return j;
}
template <class Record>
json put(const Record& r) {
  json j = json::object();
  fields(const_cast<Record&>(r), Writer{j});  // the writer only reads
  return j;
}

// ---- reading ----
void get(const json& j, double& v) { v = j.is_null() ? kUndetermined : j.get<double>(); }
void get(const json& j, size_t& v) { v = j.get<size_t>(); }
void get(const json& j, bool& v) { v = j.get<bool>(); }
void get(const json& j, std::string& v) { v = j.get<std::string>(); }
void get(const json& j, Verdict& v) {
  const std::string name = j.get<std::string>();
  const auto parsed = parse_enum<Verdict>(name);
  if (!parsed)
    throw json::type_error::create(302, "unknown verdict '" + name + "' (" + enum_choices<Verdict>() + ")", &j);
  v = *parsed;
}
void get(const json& j, Interval& i) {
  if (!j.is_array() || j.size() != 2) throw json::type_error::create(302, "not an interval [lo, hi]", &j);
  get(j[0], i.lo);
  get(j[1], i.hi);
}
void get(const json& j, std::map<std::string, size_t>& m) {
  m.clear();
  for (const auto& [k, v] : j.items()) m[k] = v.get<size_t>();
}
template <class T>
void get(const json& j, std::vector<T>& v);
template <class Record>
void get(const json& j, Record& r);

// A field that does not read: its path (outermost key first) and value.
struct BadField : std::exception {
  BadField(const std::string& p, const std::string& v) : path(p), value(v) {}
  std::string path, value;
};
struct Reader {
  const json& j;
  template <class T>
  void read(const char* key, T& v) {
    auto it = j.find(key);
    if (it == j.end()) return;
    try {
      get(*it, v);
    } catch (BadField& b) {
      b.path = std::string(key) + "." + b.path;
      throw;
    } catch (const json::exception&) {
      throw BadField{key, it->dump()};
    }
  }
  template <class T>
  void operator()(const char* key, T& v) {
    read(key, v);
  }
  template <class T>
  void operator()(const char* key, std::optional<T>& v) {
    if (!j.contains(key)) return v.reset();
    v.emplace();
    read(key, *v);
  }
};
template <class T>
void get(const json& j, std::vector<T>& v) {
  if (!j.is_array()) throw json::type_error::create(302, "not an array", &j);
  v.assign(j.size(), T{});
  for (size_t i = 0; i < j.size(); ++i) get(j[i], v[i]);
}
template <class Record>
void get(const json& j, Record& r) {
  if (!j.is_object()) throw json::type_error::create(302, "not an object", &j);
  fields(r, Reader{j});
}

}  // namespace

json to_json(const FitReport& r) { return put(r); }

FitReport fit_report_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw UserError(source + ": not a JSON object");
  FitReport r;
  try {
    fields(r, Reader{j});
  } catch (const BadField& b) {
    throw UserError(source + ": field \"" + b.path + "\" has an unexpected value (" + b.value + ")");
  }
  return r;
}

std::vector<std::string> fit_report_keys() {
  std::vector<std::string> keys;
  FitReport r;
  fields(r, [&](const char* key, auto&) { keys.emplace_back(key); });
  return keys;
}

}  // namespace sst::analysis::fit
