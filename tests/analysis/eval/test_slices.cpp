// Slices (analysis/eval/slices.h): negation, contrast, length buckets and rare tokens by hand.
#include "analysis/eval/slices.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sst::analysis::eval {
namespace {

TEST(AnalysisSlices, NegationAndContrastDetection) {
  EXPECT_TRUE(has_negation("it 's not funny"));
  EXPECT_TRUE(has_negation("the film does n't work"));
  EXPECT_TRUE(has_negation("I don't know"));
  EXPECT_TRUE(has_negation("I don’t know"));  // curly apostrophe
  EXPECT_TRUE(has_negation("No."));
  EXPECT_TRUE(has_negation("nothing special , without charm"));
  EXPECT_TRUE(has_negation("neither funny nor moving"));
  EXPECT_FALSE(has_negation("notable performances"));
  EXPECT_FALSE(has_negation("a knotty , nonstop thriller"));
  EXPECT_FALSE(has_negation("a joyous film"));
  EXPECT_TRUE(has_contrast("good , but long"));
  EXPECT_TRUE(has_contrast("However, it drags"));
  EXPECT_TRUE(has_contrast("although the cast is fine"));
  EXPECT_FALSE(has_contrast("butter and buttons"));
  EXPECT_FALSE(has_contrast("the plot is fine"));
  EXPECT_EQ(word_count("  a b\tc  "), 3);
  EXPECT_EQ(words("Don't-stop, NOW!"), (std::vector<std::string>{"don't", "stop", "now"}));
}

TEST(AnalysisSlices, LengthBucketsAndRareTokens) {
  const std::vector<int> b{10, 20, 30};
  EXPECT_EQ(length_bucket(1, b), "1-10");
  EXPECT_EQ(length_bucket(10, b), "1-10");
  EXPECT_EQ(length_bucket(11, b), "11-20");
  EXPECT_EQ(length_bucket(30, b), "21-30");
  EXPECT_EQ(length_bucket(31, b), "31+");
  EXPECT_THROW(length_bucket_labels({10, 10}), UserError);
  // ids 0 pad, 1 unk, 2 cls, 3 eos; threshold 5.
  const RareTokens f = rare_by_train_frequency({0, 0, 0, 0, 10, 2, 0}, 5, 1, {0, 2, 3});
  EXPECT_EQ(f.rare, (std::vector<bool>{false, true, false, false, false, true, true}));
  EXPECT_TRUE(f.is_rare(99));                                    // out of range: unknown to the vocabulary
  const RareTokens r = rare_by_id_range(14, 0.2, 1, {0, 2, 3});  // 10 regular ids 4..13: the top 2 are rare
  for (int32_t i = 0; i < 14; ++i) EXPECT_EQ(r.is_rare(i), i == 1 || i >= 12) << i;
  EXPECT_EQ(token_counts({4, 4, 5, 99, -1}, 7), (std::vector<int64_t>{0, 0, 0, 0, 2, 1, 0}));
}

TEST(AnalysisSlices, SliceStatsCountMembersAndAccuracy) {
  const RareTokens rare = rare_by_train_frequency({0, 0, 0, 0, 10, 1}, 5, 1, {0, 2, 3});
  std::vector<ExampleFeatures> f{features("not good , but fine", {4, 4}, rare), features("great", {5}, rare),
                                 features("one two three four five six seven eight nine ten eleven", {4}, rare),
                                 features("never again", {4}, rare)};
  const auto rows = slice_stats(f, {true, false, true, false}, {10, 20});
  auto row = [&](const std::string& name) {
    for (const auto& r : rows)
      if (r.name == name) return r;
    ADD_FAILURE() << "no slice " << name;
    return SliceStat{};
  };
  EXPECT_EQ(row("all").count, 4);
  EXPECT_DOUBLE_EQ(row("all").accuracy, 0.5);
  EXPECT_EQ(row("with negation").count, 2);
  EXPECT_DOUBLE_EQ(row("with negation").accuracy, 0.5);
  EXPECT_EQ(row("with contrast").count, 1);
  EXPECT_EQ(row("without contrast").count, 3);
  EXPECT_EQ(row("1-10 words").count, 3);
  EXPECT_EQ(row("11-20 words").count, 1);
  EXPECT_DOUBLE_EQ(row("11-20 words").accuracy, 1.0);
  EXPECT_EQ(row("21+ words").count, 0);
  EXPECT_EQ(row("with rare tokens").count, 1);
  EXPECT_DOUBLE_EQ(row("with rare tokens").accuracy, 0.0);
}

}  // namespace
}  // namespace sst::analysis::eval
