// The runs `sst-analyze fit` uses, read from a CSV (sweep.csv, or any file with N, D and loss columns).
//
// Which runs: with a `status` column (sweep.csv) only finished runs, `completed` or `early_stopped` (early
// stopping is how a sweep trains every run to its best dev loss); the others are counted and named in the
// output. --holdout rows are set aside for prediction.
//
// Which columns, unless given: N = non_embedding_params (else params); L = best_dev_loss (else loss);
// D = train_tokens, the unique tokens of the run's data subset, for a data-size sweep, but
// tokens_at_best, the tokens trained up to the best dev loss, for a budget sweep (a `budget` column with
// values), where every run sees the same data and what varies is how long it trains (else `tokens`).
//
// Training curves (approach 1): RUN_DIR/metrics.jsonl of each row's `run` under the sweep directory (the
// CSV's folder, or --curves DIR); a cooldown branch's curve starts with its parent's up to the branch.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "analysis/fit/approaches.h"
#include "analysis/fit/csv.h"
#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

struct InputColumns {
  std::string n, d, loss;  // empty: chosen as above
};

struct FitInput {
  CsvTable table;
  std::vector<size_t> rows;                // finished rows that are fitted (indices into table.rows)
  std::vector<size_t> held_out;            // finished rows matched by --holdout
  std::map<std::string, size_t> left_out;  // status -> number of unfinished rows left out
  std::string n_column, d_column, loss_column;
  std::string d_meaning;  // what D is, in words, for the output
  Data data, held;        // N, D, L of `rows` and of `held_out`
  // The nominal FLOP budget of each fitted row (approach 2) when the sweep is a FLOP budget grid.
  std::vector<double> flops_budget;
  std::string budget_note;  // why there is no flops_budget, when there is none
};

// Throws UserError naming the file and line for a missing column or a value that is not finite and > 0 (or
// above 1e30), and one naming --holdout when it matches no finished run or all of them.
FitInput read_fit_input(const std::string& csv, const InputColumns& columns, const std::string& holdout);

// The numbers of column `name` for `rows` (NaN where a field is empty or not a number).
std::vector<double> column_values(const FitInput& in, const std::vector<size_t>& rows, const std::string& name);

// Approach 1's curves for the fitted rows, from `sweep_dir` (see the file comment); `note` says why there
// are none when the result is empty. C = 6 N tokens with N from the fitted N column.
std::vector<Curve> read_curves(const FitInput& in, const std::string& sweep_dir, std::string& note);

}  // namespace sst::analysis::fit
