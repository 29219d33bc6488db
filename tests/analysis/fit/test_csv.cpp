// CSV reading (analysis/fit/csv.cpp): quoting, line numbers, and the file:line messages for bad input.
#include "analysis/fit/csv.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "common/error.h"
#include "test_support.h"

namespace sst::analysis::fit {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(AnalysisCsv, ParsesQuotedFieldsAndTracksLines) {
  const CsvTable t = parse_csv(
      "run,\"model, name\",params\r\n"
      "a,\"small \"\"x\"\"\",1e6\r\n"
      "\n"
      "b,\"two\nlines\", 2.5e7 \n"
      "c,plain,3\n",
      "t.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"run", "model, name", "params"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][1], "small \"x\"");
  EXPECT_EQ(t.rows[1][1], "two\nlines");
  EXPECT_EQ(t.rows[1][2], "2.5e7");
  EXPECT_EQ(t.lines, (std::vector<size_t>{2, 4, 6}));  // the quoted newline moves row c to line 6
  EXPECT_EQ(t.column("params"), 2u);
  EXPECT_TRUE(t.has_column("model, name"));
}

TEST(AnalysisCsv, SelectsNumericColumnsByName) {
  const CsvTable t = parse_csv("params,tokens,loss,name\n1e6,2e8,3.5,x\n2e6,4e8,3.1,y\n", "s.csv");
  const NumericColumns c = select_numeric(t, {"loss", "params"});
  EXPECT_EQ(c.columns[0], (std::vector<double>{3.5, 3.1}));
  EXPECT_EQ(c.columns[1], (std::vector<double>{1e6, 2e6}));
  EXPECT_EQ(c.lines, (std::vector<size_t>{2, 3}));
}

TEST(AnalysisCsv, NonNumberNamesFileLineAndColumn) {
  const CsvTable t = parse_csv("params,tokens,loss\n1e6,2e8,3.5\n\n2e6,abc,3.1\n", "sweep.csv");
  EXPECT_EQ(error_of([&] {
              select_numeric(t, {"params", "tokens", "loss"});
            }),
            "sweep.csv:4: column 'tokens' value 'abc' is not a number");
  const CsvTable e = parse_csv("params,tokens\n1e6,\n", "e.csv");
  EXPECT_EQ(error_of([&] { select_numeric(e, {"tokens"}); }), "e.csv:2: column 'tokens' value '' is not a number");
  const CsvTable partial = parse_csv("params\n12abc\n", "p.csv");
  EXPECT_EQ(error_of([&] { select_numeric(partial, {"params"}); }),
            "p.csv:2: column 'params' value '12abc' is not a number");
}

TEST(AnalysisCsv, MissingColumnListsTheAvailableOnes) {
  const CsvTable t = parse_csv("run,params,train_tokens,best_dev_loss\nr,1,2,3\n", "sweep.csv");
  EXPECT_EQ(error_of([&] {
              select_numeric(t, {"params", "tokens"});
            }),
            "sweep.csv: no column 'tokens' (available columns: run, params, train_tokens, best_dev_loss)");
}

TEST(AnalysisCsv, StructuralErrorsNameTheLine) {
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,2\n1,2,3\n", "f.csv"); }),
            "f.csv:3: expected 2 fields (as in the header), found 3");
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,\"open\n", "f.csv"); }), "f.csv:2: unterminated quoted field");
  EXPECT_EQ(error_of([] { parse_csv("a,a\n", "f.csv"); }), "f.csv:1: duplicate column 'a' in the header");
  EXPECT_EQ(error_of([] { parse_csv("\n\n", "f.csv"); }), "f.csv: empty file (expected a header row)");
  EXPECT_EQ(error_of([] { parse_csv("a,b\n\"x\"y,2\n", "f.csv"); }),
            "f.csv:2: unexpected character after a closing quote");
}

TEST(AnalysisCsv, ReadsFilesAndReportsUnreadableOnes) {
  const test::TempDir dir("analysis_csv");
  const std::string path = dir / "t.csv";
  test::write_text(path, "x,y\n1,2\n");
  const CsvTable t = read_csv(path);
  EXPECT_EQ(t.source, path);
  EXPECT_EQ(t.rows.size(), 1u);
  std::filesystem::remove(path);
  EXPECT_NE(error_of([&] { read_csv(path); }).find("cannot read CSV file " + path), std::string::npos);
}

TEST(AnalysisCsv, ParseNumber) {
  double v = 0;
  EXPECT_TRUE(parse_number(" 1.5e3 ", v));
  EXPECT_EQ(v, 1500);
  EXPECT_TRUE(parse_number("nan", v));  // a number; callers decide whether it is acceptable
  EXPECT_FALSE(parse_number("", v));
  EXPECT_FALSE(parse_number("1,5", v));
  EXPECT_FALSE(parse_number("0x", v));
}

}  // namespace
}  // namespace sst::analysis::fit
