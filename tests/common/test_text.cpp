// The shared text helpers and the one INI reader every binary uses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/text.h"
#include "test_support.h"

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(Text, TrimRemovesSpacesTabsAndLineEnds) {
  EXPECT_EQ(sst::text::trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(sst::text::trim(" \t "), "");
  EXPECT_EQ(sst::text::trim("x"), "x");
}

TEST(Text, SplitListAcceptsCommasAndWhitespace) {
  EXPECT_THAT(sst::text::split_list("1/4, 0.5  1,,2"), ElementsAre("1/4", "0.5", "1", "2"));
  EXPECT_TRUE(sst::text::split_list(" , ").empty());
}

TEST(Text, ReadFileNamesWhatAndWhereOnFailure) {
  try {
    sst::text::read_file("/nonexistent/x.ini", "config file");
    FAIL() << "no error";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read config file /nonexistent/x.ini"));
  }
}

TEST(Ini, SectionsQualifyKeysInFileOrderWithCommentsAndSpaces) {
  auto ini = sst::text::parse_ini("# comment\n[model]\nd_model = 64  \n[train]\nlr=0.002\nseed = 3\n", "c.ini");
  EXPECT_THAT(ini, ElementsAre(Pair("model.d_model", "64"), Pair("train.lr", "0.002"), Pair("train.seed", "3")));
  EXPECT_EQ(sst::text::ini_value(ini, "train.lr"), "0.002");
  EXPECT_EQ(sst::text::ini_value(ini, "train.absent"), "");
}

TEST(Ini, AMalformedLineNamesTheSource) {
  try {
    sst::text::parse_ini("[x]\nno equals sign\n", "c.ini");
    FAIL() << "no error";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("c.ini:2: "));
  }
}

TEST(Ini, EachEntryKnowsItsLine) {
  const auto ini = sst::text::parse_ini_lines("# c\n[model]\n\nd_model = 64 # wide\n[train]\nlr=\nseed = 3\n", "c.ini");
  ASSERT_EQ(ini.size(), 3u);
  EXPECT_EQ(ini[0].key, "model.d_model");
  EXPECT_EQ(ini[0].value, "64");
  EXPECT_EQ(ini[0].line, 4);
  EXPECT_EQ(ini[1].value, "");
  EXPECT_EQ(ini[1].line, 6);
  EXPECT_EQ(ini[2].line, 7);
}

TEST(Numbers, TheWholeTextOrNothing) {
  EXPECT_EQ(sst::text::parse_number("2e-3"), 2e-3);
  EXPECT_EQ(sst::text::parse_number("-4"), -4.0);
  for (const char* bad : {"", "x", "3abc", "nan", "inf", "1e999", " 1"})
    EXPECT_FALSE(sst::text::parse_number(bad).has_value()) << bad;
  EXPECT_EQ(sst::text::parse_integer("40"), 40);
  EXPECT_EQ(sst::text::parse_integer("-3"), -3);
  for (const char* bad : {"", "1.5", "1e3", "x", "99999999999999999999", " 1"})
    EXPECT_FALSE(sst::text::parse_integer(bad).has_value()) << bad;
}

TEST(Ini, ReadsAFile) {
  sst::test::TempDir dir("text");
  sst::test::write_text(dir / "a.ini", "[output]\ndir = runs/x\n");
  EXPECT_EQ(sst::text::ini_value(sst::text::read_ini_file(dir / "a.ini"), "output.dir"), "runs/x");
}

TEST(TextFiles, ADirectoryIsNotAnEmptyFile) {
  sst::test::TempDir dir("read-dir");
  try {
    sst::text::read_file(dir.path(), "sweep file");
    FAIL() << "a directory was read";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read sweep file " + dir.path() + ": is a directory"));
  }
}

// Every user-facing message goes through printable_message (UserError's constructor, each main's catch).
TEST(PrintableMessage, EscapesControlCharactersAndKeepsUtf8) {
  using sst::printable_message;
  EXPECT_EQ(printable_message("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(printable_message(std::string("x\0y", 3)), "x\\x00y") << "a NUL neither cuts nor passes";
  EXPECT_EQ(printable_message("\x1b[2J\x7f"), "\\x1b[2J\\x7f");
  EXPECT_EQ(printable_message("\xC2\x9B"
                              "31m"),
            "\\u009b31m")
      << "a C1 control (CSI)";
  EXPECT_EQ(printable_message("\xFF\xC3"), "\\xff\\xc3") << "bytes that are not UTF-8";
  EXPECT_EQ(printable_message("\xEF\xBB\xBF[train]"), "<BOM>[train]");
  EXPECT_EQ(printable_message("caf\xC3\xA9 \xE2\x86\x92 \\x41"), "caf\xC3\xA9 \xE2\x86\x92 \\x41");
}

TEST(PrintableMessage, BoundedAndIdempotent) {
  using sst::printable_message;
  const std::string huge = "value '" + std::string(1 << 20, 'v') + "\x1b' is not a number";
  const std::string once = printable_message(huge);
  EXPECT_LE(once.size(), sst::kMaxMessageBytes);
  EXPECT_THAT(once, ::testing::StartsWith("value 'vvv"));
  // 400 bytes of the start, 40 of the end.
  EXPECT_THAT(once, HasSubstr("vvv ... (" + std::to_string(huge.size() - 440) + " bytes left out) ... vvv"));
  EXPECT_THAT(once, ::testing::EndsWith("vvv\\x1b' is not a number")) << "the end says what is wrong";
  EXPECT_EQ(printable_message(once), once);
  const std::string fits(sst::kMaxMessageBytes, 'f');
  EXPECT_EQ(printable_message(fits), fits) << "a message that fits is never cut";
  const std::string escaped_over = printable_message(std::string(200, '\x01'));  // 200 bytes, 800 escaped
  EXPECT_LE(escaped_over.size(), sst::kMaxMessageBytes);
  EXPECT_EQ(printable_message(escaped_over), escaped_over);
  // UserError applies it where the message is made.
  EXPECT_STREQ(sst::UserError(std::string("k = \x1b\0z", 7)).what(), "k = \\x1b\\x00z");
}
