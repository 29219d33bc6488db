// Text made safe for one cell of the tables the subcommands write: a TSV field (predictions.tsv,
// `predict`) or a Markdown table cell (evaluation.md, ablations.md, report.md).
#pragma once
#include <string>

namespace sst::analysis::cli {

// `s` with tabs, CR and LF replaced by spaces.
std::string one_line(std::string s);

// one_line(s) with '|' escaped as "\|".
std::string md_cell(const std::string& s);

}  // namespace sst::analysis::cli
