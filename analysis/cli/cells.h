// Text made safe for one cell of the tables the subcommands write: a TSV field (predictions.tsv,
// `predict`) or a Markdown table cell (evaluation.md, ablations.md, report.md).
#pragma once
#include <string>

namespace sst::analysis::cli {

// `s` with tabs, CR and LF replaced by spaces.
std::string one_line(std::string s);

// one_line(s) with '|' escaped as "\|".
std::string md_cell(const std::string& s);

// One number printed with a printf conversion for a double, e.g. number_cell("%.4g", x) or ("%+.2f", x).
std::string number_cell(const char* format, double v);

}  // namespace sst::analysis::cli
