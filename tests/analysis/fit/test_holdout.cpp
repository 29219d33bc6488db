// `--holdout EXPR` (analysis/fit/holdout.cpp): parsing the conditions, selecting rows by number, by text and
// by a column's max or min over the rows given, and the one-line errors naming what is wrong.
#include "analysis/fit/holdout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"

namespace sst::analysis::fit {
namespace {

// Five runs; row 3 is unfinished (its params empty), so callers leave it out of `rows`.
CsvTable table() {
  return parse_csv(
      "run,model,params,budget\n"
      "a,s,1e6,1e15\n"
      "b,s,1e6,1e16\n"
      "c,l,4e7,1e15\n"
      "d,xl,,1e17\n"
      "e,l,4e7,1e16\n",
      "sweep.csv");
}
const std::vector<size_t> kFinished{0, 1, 2, 4};

std::string message_of(const std::string& expr, const std::vector<size_t>& rows = kFinished) {
  try {
    holdout_rows(table(), rows, parse_holdout(expr));
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(AnalysisHoldout, ParsesConditionsJoinedByAnd) {
  const auto c = parse_holdout(" params >= 1e7 && model==l&&budget!=1e16 ");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].column, "params");
  EXPECT_EQ(c[0].op, ">=");
  EXPECT_EQ(c[0].value, "1e7");
  EXPECT_EQ(c[1].column, "model");
  EXPECT_EQ(c[1].op, "==");
  EXPECT_EQ(c[1].value, "l");
  EXPECT_EQ(c[2].op, "!=");
  // The two-character operator wins over its one-character prefix.
  EXPECT_EQ(parse_holdout("budget<=1e15")[0].op, "<=");
  EXPECT_EQ(parse_holdout("budget<1e15")[0].op, "<");
}

TEST(AnalysisHoldout, RejectsMalformedExpressions) {
  for (const std::string bad : {"params", "params~3", "==3", "params>=", "params>1 && ", ""})
    EXPECT_THROW(parse_holdout(bad), UserError) << "'" << bad << "'";
  try {
    parse_holdout("params~3");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "--holdout: 'params~3' is not COLUMN OP VALUE (OP: >= <= > < == !=)");
  }
}

TEST(AnalysisHoldout, SelectsByNumberTextMaxAndMin) {
  const CsvTable t = table();
  auto select = [&](const std::string& expr) { return holdout_rows(t, kFinished, parse_holdout(expr)); };
  EXPECT_EQ(select("params==max"), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(select("params==min"), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(select("budget>=1e16"), (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(select("budget<1e16"), (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(select("model==l && budget==1e16"), (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(select("model!=s"), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(select("params==4.0e7"), (std::vector<bool>{false, false, true, true}));  // compared as numbers
  // max / min are over the rows given: the unfinished run's budget 1e17 is not among them.
  EXPECT_EQ(select("budget==max"), (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(holdout_rows(t, {3}, parse_holdout("budget==max")), std::vector<bool>{true});
}

TEST(AnalysisHoldout, ErrorsNameTheColumnAndLine) {
  EXPECT_NE(message_of("size==max").find("size"), std::string::npos);
  EXPECT_EQ(message_of("model>=max"), "--holdout: column 'model' has a non-number ('s') on line 2");
  EXPECT_EQ(message_of("params>=big"), "--holdout: >= needs a number, max or min, got 'big'");
  EXPECT_EQ(message_of("model>1"), "--holdout: column 'model' value 's' on line 2 is not a number");
  EXPECT_EQ(message_of("params==max", {0, 3}), "--holdout: column 'params' has a non-number ('') on line 5");
  EXPECT_EQ(message_of("model==l"), "");
}

}  // namespace
}  // namespace sst::analysis::fit
