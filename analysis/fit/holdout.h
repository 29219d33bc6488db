// `sst-analyze fit --holdout EXPR`: which runs are left out of every fit and predicted instead.
//   EXPR  = COND [&& COND ...]
//   COND  = COLUMN OP VALUE   with OP one of >= <= > < == !=
//   VALUE = a number, `max` or `min` (of that column over the finished runs), or text (== and != only)
// e.g. `non_embedding_params==max` (the largest model), `budget>=1e15`, `model==l && seed==1`.
#pragma once
#include <string>
#include <vector>

#include "analysis/fit/csv.h"

namespace sst::analysis::fit {

struct HoldoutCondition {
  std::string column, op, value;
};

// Throws UserError("--holdout: ...") on a malformed expression.
std::vector<HoldoutCondition> parse_holdout(const std::string& expr);

// Which of `rows` (indices into table.rows) the conditions select. Throws UserError naming an unknown
// column, or a value that is not a number where one is needed.
std::vector<bool> holdout_rows(const CsvTable& table, const std::vector<size_t>& rows,
                               const std::vector<HoldoutCondition>& conditions);

}  // namespace sst::analysis::fit
