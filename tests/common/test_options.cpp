// Typed option tables: the table itself rejects a bad value (enum name, range, NaN/Inf) naming its key,
// and prints every option back as INI that parses to the same values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/options.h"

namespace po = boost::program_options;
using ::testing::HasSubstr;

namespace sst {
enum class Colour { kRed, kGreen };
template <>
struct EnumNames<Colour> {
  static constexpr std::array<std::pair<Colour, const char*>, 2> kNames{
      {{Colour::kRed, "red"}, {Colour::kGreen, "green"}}};
};
}  // namespace sst

namespace {

struct Values {
  sst::Colour colour = sst::Colour::kRed;
  double rate = 0.5;
  int64_t count = 3;
  bool flag = false;
};

// Parses argv into a fresh Values; returns the error text ("" when none).
std::string parse(std::vector<std::string> args, Values& v, std::string* ini = nullptr) {
  sst::OptionTable t("test");
  t.add("a.colour", v.colour, "a colour");
  t.add("a.rate", v.rate, "a rate", sst::half_open(0, 1));
  t.add("b.count", v.count, "a count", sst::at_least(1));
  t.add("b.flag", v.flag, "a flag");
  args.insert(args.begin(), "prog");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(t.description()).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (ini) *ini = t.to_ini();
  return "";
}

}  // namespace

TEST(OptionTable, ParsesTypedValues) {
  Values v;
  ASSERT_EQ(parse({"--a.colour=green", "--a.rate=0.25", "--b.count=7", "--b.flag=true"}, v), "");
  EXPECT_EQ(v.colour, sst::Colour::kGreen);
  EXPECT_DOUBLE_EQ(v.rate, 0.25);
  EXPECT_EQ(v.count, 7);
  EXPECT_TRUE(v.flag);
}

TEST(OptionTable, BadValuesAreRejectedNamingTheKey) {
  auto error = [](const std::string& arg) {
    Values v;
    return parse({arg}, v);
  };
  EXPECT_THAT(error("--a.colour=blue"), HasSubstr("a.colour"));
  EXPECT_THAT(error("--a.colour=blue"), HasSubstr("red or green"));
  EXPECT_THAT(error("--a.rate=1"), HasSubstr("a.rate = 1: must be in [0, 1)"));
  EXPECT_THAT(error("--a.rate=nan"), HasSubstr("a.rate must be a finite number"));
  EXPECT_THAT(error("--a.rate=inf"), HasSubstr("a.rate must be a finite number"));
  EXPECT_THAT(error("--b.count=0"), HasSubstr("b.count = 0: must be >= 1"));
  EXPECT_THAT(error("--b.count=two"), HasSubstr("b.count"));
}

TEST(OptionTable, PrintsEveryOptionAsIniBySection) {
  Values v;
  std::string ini;
  ASSERT_EQ(parse({"--a.colour=green"}, v, &ini), "");
  EXPECT_EQ(ini, "[a]\ncolour = green\nrate = 0.5\n\n[b]\ncount = 3\nflag = false\n\n");
}

// A command line tool's table: its own error prefix, a placeholder in the help, a required option.
TEST(OptionTable, ToolFlagsNameThemselvesAndCanBeRequired) {
  int64_t size = 100;
  std::string out;
  sst::OptionTable t("tool", "--");
  t.add("size", size, "a size", sst::closed(8, 1000), sst::Resume::kMayChange, "N");
  t.add_required("output", out, "FILE", "where to write");
  auto run = [&](std::vector<std::string> args) -> std::string {
    args.insert(args.begin(), "prog");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    try {
      po::variables_map vm;
      po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(t.description()).run(), vm);
      po::notify(vm);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(run({"--output", "x", "--size", "9"}), "");
  EXPECT_EQ(size, 9);
  EXPECT_EQ(out, "x");
  EXPECT_EQ(run({"--output", "x", "--size", "3"}), "--size = 3: must be in [8, 1000]");
  EXPECT_THAT(run({"--size", "9"}), HasSubstr("output"));  // required
  std::ostringstream help;
  help << t.description();
  EXPECT_THAT(help.str(), HasSubstr("--size N (=100)"));
  EXPECT_THAT(help.str(), HasSubstr("--output FILE"));
}

// A switch and a repeatable number list, each value checked.
TEST(OptionTable, FlagsAndRepeatedNumbers) {
  auto parse_list = [](std::vector<std::string> args, bool& flag, std::vector<double>& budgets) -> std::string {
    sst::OptionTable t("tool", "--");
    t.add_flag("quiet", flag, "say less");
    t.add_list("budget", budgets, "C", "a budget", sst::above(0), sst::OptionTable::PerFlag::kMany);
    args.insert(args.begin(), "prog");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    try {
      po::variables_map vm;
      po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(t.description()).run(), vm);
      po::notify(vm);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  bool quiet = false;
  std::vector<double> budgets;
  EXPECT_EQ(parse_list({"--quiet", "--budget", "1e18", "--budget", "2e18"}, quiet, budgets), "");
  EXPECT_TRUE(quiet);
  EXPECT_EQ(budgets, (std::vector<double>{1e18, 2e18}));
  budgets.clear();
  EXPECT_EQ(parse_list({"--budget", "1e18", "3e18"}, quiet, budgets), "");  // PerFlag::kMany
  EXPECT_EQ(budgets, (std::vector<double>{1e18, 3e18}));
  budgets.clear();
  EXPECT_EQ(parse_list({"--budget", "1e18", "--budget", "0"}, quiet, budgets), "--budget = 0: must be > 0");
  budgets.clear();
  EXPECT_EQ(parse_list({"--budget", "inf"}, quiet, budgets), "--budget must be a finite number, got inf");
}

// An option that may be absent holds a value only when given, and only one in its range.
TEST(OptionTable, OptionalValues) {
  auto parse_index = [](std::vector<std::string> args, std::optional<int64_t>& index) -> std::string {
    sst::OptionTable t("tool", "--");
    t.add_optional("index", index, "I", "a point", sst::at_least(0));
    args.insert(args.begin(), "prog");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    try {
      po::variables_map vm;
      po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(t.description()).run(), vm);
      po::notify(vm);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  std::optional<int64_t> index;
  EXPECT_EQ(parse_index({}, index), "");
  EXPECT_FALSE(index.has_value());
  EXPECT_EQ(parse_index({"--index", "4"}, index), "");
  EXPECT_EQ(index, 4);
  index.reset();
  EXPECT_EQ(parse_index({"--index", "-1"}, index), "--index = -1: must be >= 0");
  EXPECT_FALSE(index.has_value());
}

TEST(Range, DescribesItself) {
  EXPECT_EQ(sst::above(0).text(), "must be > 0");
  EXPECT_EQ(sst::left_open(0, 1).text(), "must be in (0, 1]");
  EXPECT_TRUE(sst::closed(0, 1).contains(1));
  EXPECT_FALSE(sst::half_open(0, 1).contains(1));
}
