// printable_message and the exceptions every user-facing failure uses (common/error.h): a message is
// safe on one terminal line (control characters, non-UTF-8 bytes and the BOM escaped, printable UTF-8
// kept), bounded, and unchanged by a second pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

using ::testing::HasSubstr;

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

TEST(PrintableMessage, MalformedUtf8IsEscapedByteByByte) {
  using sst::printable_message;
  EXPECT_EQ(printable_message("\xC0\xAF"), "\\xc0\\xaf") << "an overlong '/'";
  EXPECT_EQ(printable_message("\xED\xA0\x80"), "\\xed\\xa0\\x80") << "a UTF-16 surrogate";
  EXPECT_EQ(printable_message("ok \xE2\x86"), "ok \\xe2\\x86") << "a sequence cut at the end";
  EXPECT_EQ(printable_message("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80") << "beyond U+10FFFF";
  EXPECT_EQ(printable_message("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80") << "a 4-byte character stays";
}

TEST(CollectiveError, IsAUserErrorThatOneRankPrints) {
  const sst::CollectiveError printed("disk full\n", true), quiet("failed on rank 1", false);
  EXPECT_TRUE(printed.printable);
  EXPECT_FALSE(quiet.printable);
  EXPECT_STREQ(printed.what(), "disk full\\n") << "made printable like every UserError";
  try {
    throw quiet;
  } catch (const sst::UserError& e) {  // main() catches every one as a UserError
    EXPECT_THAT(e.what(), HasSubstr("rank 1"));
  }
}
