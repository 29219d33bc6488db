// TSV reader: header-addressed columns, tolerated formatting, and a precise error for each bad input.
#include "dataset/tsv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "test_support.h"

using sst::UserError;
using sst::dataset::find_invalid_utf8;
using sst::dataset::parse_tsv;
using sst::dataset::read_tsv_file;
using ::testing::HasSubstr;

namespace {

// The message of the UserError that `text` raises, or "" if it parses.
std::string error_of(const std::string& text, const std::string& name = "x.tsv") {
  try {
    parse_tsv(text, name);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(TsvReader, FindsColumnsByHeaderNameInEitherOrder) {
  auto a = parse_tsv("sentence\tlabel\ngood film\t1\nbad film\t0\n", "a.tsv");
  auto b = parse_tsv("label\tsentence\n1\tgood film\n0\tbad film\n", "b.tsv");
  for (const auto& d : {a, b}) {
    ASSERT_EQ(d.size(), 2u);
    EXPECT_TRUE(d.labeled);
    EXPECT_EQ(d.sentences[0], "good film");
    EXPECT_EQ(d.sentences[1], "bad film");
    EXPECT_EQ(d.labels[0], 1);
    EXPECT_EQ(d.labels[1], 0);
  }
}

TEST(TsvReader, ToleratesCrlfAndTrailingSpaces) {
  auto d = parse_tsv("sentence\tlabel\r\nit 's a charming journey .  \t1\r\nbleak \t0\r\n", "crlf.tsv");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.sentences[0], "it 's a charming journey .");
  EXPECT_EQ(d.sentences[1], "bleak");
  EXPECT_EQ(d.labels[0], 1);
}

TEST(TsvReader, UnlabeledTestFormatGivesLabelMinusOne) {
  auto d = parse_tsv("index\tsentence\n0\tuneasy mishmash .\n1\tdirector rob marshall .\n", "test.tsv");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_FALSE(d.labeled);
  EXPECT_EQ(d.labels[0], -1);
  EXPECT_EQ(d.labels[1], -1);
  EXPECT_EQ(d.sentences[1], "director rob marshall .");
}

TEST(TsvReader, SkipsEmptyLinesAtEndOfFileAndAcceptsMissingFinalNewline) {
  EXPECT_EQ(parse_tsv("sentence\tlabel\nok\t1\n\n\n", "x.tsv").size(), 1u);
  EXPECT_EQ(parse_tsv("sentence\tlabel\nok\t1", "x.tsv").size(), 1u);
  EXPECT_EQ(parse_tsv("sentence\tlabel\n", "x.tsv").size(), 0u);
}

TEST(TsvReader, KeepsNonAsciiUtf8Sentences) {
  auto d = parse_tsv("sentence\tlabel\nna\xC3\xAFve caf\xC3\xA9 \xF0\x9F\x98\x80\t1\n", "x.tsv");
  EXPECT_EQ(d.sentences[0], "na\xC3\xAFve caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(TsvReader, MissingFileErrorNamesTheFile) {
  try {
    read_tsv_file("/nonexistent/dir/train.tsv");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open /nonexistent/dir/train.tsv"));
  }
}

TEST(TsvReader, ReadsFileFromDiskAndNamesItInErrors) {
  sst::test::TempDir dir;
  sst::test::write_text(dir / "dev.tsv", "sentence\tlabel\r\nfine\t1\r\nworse\t7\r\n");
  try {
    read_tsv_file(dir / "dev.tsv");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir / "dev.tsv:3: label '7' is not 0 or 1"));
  }
}

TEST(TsvReader, HeaderWithoutSentenceColumnIsAnError) {
  std::string msg = error_of("text\tlabel\nhello\t1\n");
  EXPECT_THAT(msg, HasSubstr("x.tsv:1:"));
  EXPECT_THAT(msg, HasSubstr("no 'sentence' column"));
}

TEST(TsvReader, DuplicatedColumnIsAnError) {
  EXPECT_THAT(error_of("sentence\tsentence\ta\tb\n"), HasSubstr("x.tsv:1: header has the column 'sentence' twice"));
}

TEST(TsvReader, LabelOtherThanZeroOrOneIsAnError) {
  EXPECT_THAT(error_of("sentence\tlabel\nok\t1\nhmm\tpositive\n"),
              HasSubstr("x.tsv:3: label 'positive' is not 0 or 1"));
  EXPECT_THAT(error_of("sentence\tlabel\nok\t2\n"), HasSubstr("x.tsv:2: label '2' is not 0 or 1"));
  EXPECT_THAT(error_of("sentence\tlabel\nok\t\n"), HasSubstr("x.tsv:2: label '' is not 0 or 1"));
}

TEST(TsvReader, EmptySentenceIsAnError) {
  EXPECT_THAT(error_of("sentence\tlabel\nok\t1\n   \t0\n"), HasSubstr("x.tsv:3: empty sentence"));
}

TEST(TsvReader, InvalidUtf8IsAnErrorNamingTheByteOffset) {
  // The header is 15 bytes, so the 0xFF after "ab" sits at file offset 17.
  std::string msg = error_of("sentence\tlabel\nab\xFF c\t1\n");
  EXPECT_THAT(msg, HasSubstr("x.tsv:2: invalid UTF-8 at byte offset 17"));
}

TEST(TsvReader, TooFewFieldsIsAnError) {
  std::string msg = error_of("sentence\tlabel\nok\t1\nno label here\n");
  EXPECT_THAT(msg, HasSubstr("x.tsv:3: too few fields"));
  EXPECT_THAT(msg, HasSubstr("found 1"));
}

TEST(TsvReader, TooManyFieldsIsAnError) {
  EXPECT_THAT(error_of("sentence\tlabel\nok\t1\textra\n"), HasSubstr("x.tsv:2: too many fields"));
}

TEST(TsvReader, EmptyLineBeforeMoreDataIsAnError) {
  EXPECT_THAT(error_of("sentence\tlabel\nok\t1\n\nlater\t0\n"), HasSubstr("x.tsv:3: empty line"));
}

TEST(TsvReader, EmptyFileIsAnError) {
  EXPECT_THAT(error_of(""), HasSubstr("x.tsv: empty file"));
  EXPECT_THAT(error_of("\n"), HasSubstr("x.tsv:1: empty header line"));
}

TEST(TsvReader, BadIndexInUnlabeledFileIsAnError) {
  EXPECT_THAT(error_of("index\tsentence\nfirst\tok\n"),
              HasSubstr("x.tsv:2: index 'first' is not a non-negative integer"));
}

TEST(TsvReader, NulByteIsAnError) {
  EXPECT_THAT(error_of(std::string("sentence\tlabel\nbad\0byte\t1\n", 24)),
              HasSubstr("x.tsv:2: line contains a NUL byte"));
}

TEST(Utf8Validation, AcceptsValidAndRejectsMalformedSequences) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), std::string::npos);  // é € 😀
  EXPECT_EQ(find_invalid_utf8("a\x80"), 1u);                                                // stray continuation byte
  EXPECT_EQ(find_invalid_utf8("ab\xC0\x80"), 2u);                                           // overlong NUL
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);                                         // overlong '/'
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);                                        // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);                                     // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok\xE2\x82"), 2u);                                           // truncated at end
  EXPECT_EQ(find_invalid_utf8("\xE2(\xA1"), 0u);                                            // bad continuation
  EXPECT_EQ(find_invalid_utf8("\xFF"), 0u);
}

}  // namespace
