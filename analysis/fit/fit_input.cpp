// Reading the runs of `sst-analyze fit` (fit_input.h).
#include "analysis/fit/fit_input.h"

#include <cmath>
#include <filesystem>
#include <utility>

#include "analysis/fit/holdout.h"
#include "analysis/runs/runs.h"
#include "common/error.h"
#include "rundir/run_dir.h"

namespace fs = std::filesystem;

namespace sst::analysis::fit {
namespace {

// N, D and L above this are refused: C = 6 N D, the bootstrap's sums and the figures' ranges stay finite.
constexpr double kMaxValue = 1e30;

double number(const CsvTable& t, size_t row, size_t col) {
  double v;
  return parse_number(t.rows[row][col], v) ? v : kNaN;
}

bool column_has_values(const CsvTable& t, const std::vector<size_t>& rows, const std::string& name) {
  if (!t.has_column(name)) return false;
  const size_t c = t.column(name);
  for (size_t r : rows)
    if (!t.rows[r][c].empty()) return true;
  return false;
}

// N, D, L of `rows`, each finite and > 0, or an error naming the line (a missing column first).
Data points(const CsvTable& t, const std::vector<size_t>& rows, const std::vector<std::string>& names) {
  Data d;
  std::vector<double>* out[3] = {&d.n, &d.d, &d.loss};
  size_t cols[3];
  for (size_t j = 0; j < 3; ++j) cols[j] = t.column(names[j]);
  for (size_t r : rows)
    for (size_t j = 0; j < 3; ++j) {
      const std::string& field = t.rows[r][cols[j]];
      double v;
      const std::string where = t.source + ":" + std::to_string(t.lines[r]) + ": column '" + names[j] + "' value '";
      if (!parse_number(field, v)) throw UserError(where + field + "' is not a number");
      if (!(std::isfinite(v) && v > 0)) throw UserError(where + field + "' is not finite and positive");
      if (v > kMaxValue) throw UserError(where + field + "' is too large (at most 1e30)");
      out[j]->push_back(v);
    }
  return d;
}

}  // namespace

FitInput read_fit_input(const std::string& csv, const InputColumns& columns, const std::string& holdout) {
  FitInput in;
  in.table = read_csv(csv);
  const CsvTable& t = in.table;
  if (t.rows.empty()) throw UserError(csv + ": no data rows");
  std::vector<size_t> finished;
  const bool has_status = t.has_column("status");
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string status = has_status ? t.rows[r][t.column("status")] : "completed";
    if (status == "completed" || status == "early_stopped")
      finished.push_back(r);
    else
      ++in.left_out[status.empty() ? "(none)" : status];
  }
  if (finished.empty()) throw UserError(csv + ": no finished runs (status completed or early_stopped)");

  const bool budget_sweep = column_has_values(t, finished, "budget");
  in.n_column = !columns.n.empty()                     ? columns.n
                : t.has_column("non_embedding_params") ? "non_embedding_params"
                                                       : "params";
  in.loss_column = !columns.loss.empty() ? columns.loss : t.has_column("best_dev_loss") ? "best_dev_loss" : "loss";
  if (!columns.d.empty())
    in.d_column = columns.d;
  else if (budget_sweep && t.has_column("tokens_at_best"))
    in.d_column = "tokens_at_best";
  else
    in.d_column = t.has_column("train_tokens") ? "train_tokens" : "tokens";
  in.d_meaning = in.d_column == "train_tokens"       ? "unique train tokens of the run's data subset"
                 : in.d_column == "tokens_at_best"   ? "tokens trained up to the best dev loss (a budget sweep)"
                 : in.d_column == "tokens_processed" ? "tokens trained (all epochs)"
                                                     : "as given";

  std::vector<bool> held(finished.size(), false);
  if (!holdout.empty()) held = holdout_rows(t, finished, parse_holdout(holdout));
  for (size_t k = 0; k < finished.size(); ++k) (held[k] ? in.held_out : in.rows).push_back(finished[k]);
  if (!holdout.empty() && in.held_out.empty()) throw UserError("--holdout '" + holdout + "' matches no finished run");
  if (in.rows.empty())
    throw UserError("--holdout '" + holdout + "' matches every finished run (" + std::to_string(finished.size()) +
                    "): none is left to fit");
  const std::vector<std::string> names{in.n_column, in.d_column, in.loss_column};
  in.data = points(t, in.rows, names);
  in.held = points(t, in.held_out, names);

  // Approach 2 groups runs by a FLOP budget: `budget` holds it when budget_flops equals it (a flops grid).
  if (!budget_sweep) {
    in.budget_note = "not a budget sweep (no `budget` column with values): IsoFLOP profiles need [budget] flops";
  } else if (!t.has_column("budget_flops")) {
    in.budget_note = "no budget_flops column to tell a FLOP budget from a token budget";
  } else {
    std::vector<double> b = column_values(in, in.rows, "budget"), bf = column_values(in, in.rows, "budget_flops");
    bool flops = true;
    for (size_t k = 0; k < b.size(); ++k) flops = flops && std::abs(bf[k] / b[k] - 1) < 1e-6;
    if (flops)
      in.flops_budget = std::move(b);
    else
      in.budget_note = "a token budget grid: IsoFLOP profiles need [budget] flops";
  }
  return in;
}

std::vector<double> column_values(const FitInput& in, const std::vector<size_t>& rows, const std::string& name) {
  const size_t c = in.table.column(name);
  std::vector<double> out;
  for (size_t r : rows) out.push_back(number(in.table, r, c));
  return out;
}

std::vector<Curve> read_curves(const FitInput& in, const std::string& sweep_dir, std::string& note) {
  const CsvTable& t = in.table;
  if (!t.has_column("run")) {
    note = "no `run` column to find the training curves by";
    return {};
  }
  const size_t run_col = t.column("run");
  const bool has_parent = t.has_column("parent") && t.has_column("branch_step");
  std::vector<Curve> curves;
  auto evals_of = [&](const std::string& run) {
    const fs::path dir = fs::path(sweep_dir) / "runs" / run;
    if (!fs::exists(rundir::RunDir(dir.string()).metrics())) return std::vector<runs::EvalPoint>{};
    return runs::load_run(dir.string()).evals;
  };
  for (size_t k = 0; k < in.rows.size(); ++k) {
    const size_t r = in.rows[k];
    std::vector<runs::EvalPoint> evals = evals_of(t.rows[r][run_col]);
    if (has_parent && !t.rows[r][t.column("parent")].empty()) {
      const double branch_step = number(t, r, t.column("branch_step"));
      std::vector<runs::EvalPoint> prefix;
      for (const auto& e : evals_of(t.rows[r][t.column("parent")]))
        if (e.step <= branch_step) prefix.push_back(e);
      prefix.insert(prefix.end(), evals.begin(), evals.end());
      evals = prefix;
    }
    if (evals.empty()) {
      note = "no metrics.jsonl for run '" + t.rows[r][run_col] + "' under " + sweep_dir + "/runs";
      return {};
    }
    Curve c;
    c.n = in.data.n[k];
    for (const auto& e : evals) {
      if (!(e.tokens > 0) || !std::isfinite(e.dev_loss)) continue;
      c.flops.push_back(6 * c.n * e.tokens);
      c.loss.push_back(e.dev_loss);
    }
    curves.push_back(std::move(c));
  }
  return curves;
}

}  // namespace sst::analysis::fit
