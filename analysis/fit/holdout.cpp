// Parsing and evaluating --holdout expressions (holdout.h).
#include "analysis/fit/holdout.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/text.h"

namespace sst::analysis::fit {

std::vector<HoldoutCondition> parse_holdout(const std::string& expr) {
  std::vector<HoldoutCondition> out;
  size_t start = 0;
  for (;;) {
    const size_t amp = expr.find("&&", start);
    const std::string part = text::trim(expr.substr(start, amp == std::string::npos ? std::string::npos : amp - start));
    size_t pos = std::string::npos, len = 0;
    for (const char* op : {">=", "<=", "==", "!=", ">", "<"}) {
      const size_t p = part.find(op);
      if (p != std::string::npos && (pos == std::string::npos || p < pos || (p == pos && std::string(op).size() > len)))
        pos = p, len = std::string(op).size();
    }
    if (pos == std::string::npos)
      throw UserError("--holdout: '" + part + "' is not COLUMN OP VALUE (OP: >= <= > < == !=)");
    HoldoutCondition c{text::trim(part.substr(0, pos)), part.substr(pos, len), text::trim(part.substr(pos + len))};
    if (c.column.empty() || c.value.empty())
      throw UserError("--holdout: '" + part + "' is not COLUMN OP VALUE (OP: >= <= > < == !=)");
    out.push_back(c);
    if (amp == std::string::npos) break;
    start = amp + 2;
  }
  return out;
}

std::vector<bool> holdout_rows(const CsvTable& table, const std::vector<size_t>& rows,
                               const std::vector<HoldoutCondition>& conditions) {
  std::vector<bool> selected(rows.size(), true);
  for (const auto& c : conditions) {
    const size_t col = table.column(c.column);  // throws, listing the columns
    const bool ordered = c.op != "==" && c.op != "!=";
    double target = NAN;
    bool numeric = parse_number(c.value, target);
    if (c.value == "max" || c.value == "min") {
      double extreme = c.value == "max" ? -INFINITY : INFINITY;
      for (size_t r : rows) {
        double v;
        if (!parse_number(table.rows[r][col], v))
          throw UserError("--holdout: column '" + c.column + "' has a non-number ('" + table.rows[r][col] +
                          "') on line " + std::to_string(table.lines[r]));
        extreme = c.value == "max" ? std::max(extreme, v) : std::min(extreme, v);
      }
      target = extreme;
      numeric = true;
    }
    if (ordered && !numeric)
      throw UserError("--holdout: " + c.op + " needs a number, max or min, got '" + c.value + "'");
    for (size_t k = 0; k < rows.size(); ++k) {
      const std::string& field = table.rows[rows[k]][col];
      double v;
      bool match;
      if (numeric && parse_number(field, v)) {
        // Numbers written with 17 digits compare equal to what max / min found.
        match = c.op == ">="   ? v >= target
                : c.op == "<=" ? v <= target
                : c.op == ">"  ? v > target
                : c.op == "<"  ? v < target
                : c.op == "==" ? v == target
                               : v != target;
      } else {
        if (ordered)
          throw UserError("--holdout: column '" + c.column + "' value '" + field + "' on line " +
                          std::to_string(table.lines[rows[k]]) + " is not a number");
        match = (field == c.value) == (c.op == "==");
      }
      selected[k] = selected[k] && match;
    }
  }
  return selected;
}

}  // namespace sst::analysis::fit
