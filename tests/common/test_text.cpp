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
