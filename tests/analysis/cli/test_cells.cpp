// Table cells (analysis/cli/cells.h): one line for TSV, '|' escaped for Markdown.
#include "analysis/cli/cells.h"

#include <gtest/gtest.h>

namespace sst::analysis::cli {
namespace {

TEST(AnalysisCells, OneLineAndMarkdownCell) {
  EXPECT_EQ(one_line("a\tb\r\nc"), "a b  c");
  EXPECT_EQ(md_cell("not | bad\n"), "not \\| bad ");
  EXPECT_EQ(md_cell("plain"), "plain");
}

}  // namespace
}  // namespace sst::analysis::cli
