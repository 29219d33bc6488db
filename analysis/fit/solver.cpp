// The solver layer (solver.h): Ceres' L-BFGS behind one adapter, the parallel loop and the resampling.
#include "analysis/fit/solver.h"

#include <ceres/ceres.h>
#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

namespace sst::analysis::fit {
namespace {

// The one Ceres adapter: an Objective as a ceres::FirstOrderFunction. A non-finite value or gradient
// answers false, which makes the line search step back instead of accepting the point.
class CeresObjective : public ceres::FirstOrderFunction {
 public:
  CeresObjective(const Objective& f, int n) : f_(f), n_(n) {}
  bool Evaluate(const double* x, double* cost, double* gradient) const override {
    *cost = f_(x, gradient);
    if (!std::isfinite(*cost)) return false;
    if (gradient)
      for (int i = 0; i < n_; ++i)
        if (!std::isfinite(gradient[i])) return false;
    return true;
  }
  int NumParameters() const override { return n_; }

 private:
  const Objective& f_;
  int n_;
};

// Ceres's L-BFGS line search with the caller's iteration cap and tolerances, silent.
ceres::GradientProblemSolver::Options lbfgs_options(const SolverOptions& so) {
  ceres::GradientProblemSolver::Options o;
  o.line_search_direction_type = ceres::LBFGS;
  o.max_num_iterations = so.max_iterations;
  o.function_tolerance = so.function_tolerance;
  o.gradient_tolerance = so.gradient_tolerance;
  o.parameter_tolerance = so.parameter_tolerance;
  o.logging_type = ceres::SILENT;
  return o;
}

// Ceres logs line-search oddities (e.g. "constant polynomial" during interpolation) as glog warnings;
// across thousands of starts they would bury the summary. Errors still print.
void quiet_ceres_logging() {
  static std::once_flag once;
  std::call_once(once, [] { FLAGS_minloglevel = google::GLOG_ERROR; });
}

// Unbiased integer in [0, n) from a 64-bit engine. std::uniform_int_distribution is implementation-defined,
// which would make `--seed` give different resamples on different standard libraries.
uint64_t bounded(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n: reject the short last bucket
  for (;;) {
    uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

}  // namespace

Minimum minimize_lbfgs(const Objective& f, int dimension, std::vector<double> start, const SolverOptions& so) {
  quiet_ceres_logging();
  Minimum out{std::move(start), 0, 0, false};
  ceres::GradientProblem problem(new CeresObjective(f, dimension));  // owns the adapter, not f
  const auto o = lbfgs_options(so);
  ceres::GradientProblemSolver::Summary summary;
  ceres::Solve(o, problem, out.x.data(), &summary);
  // Ceres leaves the parameters at the last accepted point even on failure; rescoring there makes the
  // reported objective exactly the function value at the reported parameters.
  out.objective = f(out.x.data(), nullptr);
  if (!std::isfinite(out.objective)) out.objective = std::numeric_limits<double>::infinity();
  out.iterations = static_cast<int>(summary.iterations.size());
  out.converged = summary.termination_type == ceres::CONVERGENCE;
  return out;
}

size_t lowest(const std::vector<Minimum>& minima) {
  size_t best = 0;
  for (size_t i = 1; i < minima.size(); ++i)
    if (minima[i].objective < minima[best].objective) best = i;
  return best;
}

void parallel_for(size_t n, int threads, const std::function<void(size_t)>& body) {
  size_t workers = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, n);
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i; !failed && (i = next++) < n;) {
        try {
          body(i);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

std::vector<std::vector<size_t>> resample_indices(size_t n, size_t samples, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<size_t>> picks(samples, std::vector<size_t>(n));
  for (auto& p : picks)
    for (auto& i : p) i = static_cast<size_t>(bounded(rng, n));
  return picks;
}

}  // namespace sst::analysis::fit
