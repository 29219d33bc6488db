// Any-label data (sst-prep --format tsv|jsonl): the TSV and JSONL readers, the label -> class id
// mapping, and a one-line error naming file and line for each bad input.
#include "dataset/class_labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

using sst::UserError;
using sst::dataset::class_ids_of;
using sst::dataset::class_names_of;
using sst::dataset::kMaxClasses;
using sst::dataset::parse_class_tsv;
using sst::dataset::parse_jsonl;
using sst::dataset::TextData;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TextData labeled(const std::vector<std::string>& labels) {
  TextData d;
  d.labeled = true;
  for (size_t i = 0; i < labels.size(); ++i) {
    d.sentences.push_back("s" + std::to_string(i));
    d.labels.push_back(labels[i]);
    d.lines.push_back(i + 2);
  }
  return d;
}

TEST(ClassLabels, IntegerLabelsKeepTheirNumericOrder) {
  EXPECT_THAT(class_names_of(labeled({"1", "0", "1"}), "t"), ElementsAre("0", "1"));  // SST-2's ids stay
  EXPECT_THAT(class_names_of(labeled({"10", "2", "4", "0", "1"}), "t"), ElementsAre("0", "1", "2", "4", "10"));
}

TEST(ClassLabels, NamesAreSortedByteWise) {
  EXPECT_THAT(class_names_of(labeled({"pos", "neg", "neutral", "neg"}), "t"), ElementsAre("neg", "neutral", "pos"));
  // One label that is not a plain integer ("07") makes every label a name.
  EXPECT_THAT(class_names_of(labeled({"10", "9", "07"}), "t"), ElementsAre("07", "10", "9"));
}

TEST(ClassLabels, IdsFollowTheNames) {
  const std::vector<std::string> names = {"neg", "neutral", "pos"};
  EXPECT_THAT(class_ids_of(labeled({"pos", "neg", "neutral"}), names, "d", "t"), ElementsAre(2, 0, 1));
  TextData unlabeled;
  unlabeled.sentences = {"a", "b"};
  unlabeled.labels = {"", ""};
  unlabeled.lines = {1, 2};
  EXPECT_THAT(class_ids_of(unlabeled, names, "test.jsonl", "t"), ElementsAre(-1, -1));
}

TEST(ClassLabels, ALabelOnlyInDevIsAnErrorAtItsLine) {
  const std::string msg = error_of([] {
    class_ids_of(labeled({"neg", "joy"}), {"neg", "pos"}, "dev.tsv", "train.tsv");
  });
  EXPECT_THAT(msg, HasSubstr("dev.tsv:3: label 'joy' does not occur in the training set (train.tsv has 2 labels)"));
}

TEST(ClassLabels, FewerThanTwoClassesIsAnError) {
  EXPECT_THAT(error_of([] {
                class_names_of(labeled({"pos", "pos"}), "train.tsv");
              }),
              HasSubstr("train.tsv: 1 distinct label ('pos') in 2 examples; classification needs at least 2"));
}

TEST(ClassLabels, TooManyClassesIsAnErrorWhereTheFirstExtraOneAppears) {
  std::vector<std::string> many;
  for (int k = 0; k <= kMaxClasses; ++k) many.push_back("c" + std::to_string(k));
  many.insert(many.begin(), "c0");
  EXPECT_THAT(error_of([&] { class_names_of(labeled(many), "train.tsv"); }),
              HasSubstr("train.tsv:" + std::to_string(kMaxClasses + 3) + ": label 'c" + std::to_string(kMaxClasses) +
                        "' is distinct label number " + std::to_string(kMaxClasses + 1)));
  many.pop_back();
  EXPECT_EQ(class_names_of(labeled(many), "train.tsv").size(), static_cast<size_t>(kMaxClasses));
}

TEST(ClassTsv, ReadsATextColumnAndAnyLabel) {
  TextData d = parse_class_tsv("text\tlabel\ngreat film\tvery positive\nmeh\t2\n", "x.tsv");
  EXPECT_TRUE(d.labeled);
  EXPECT_THAT(d.sentences, ElementsAre("great film", "meh"));
  EXPECT_THAT(d.labels, ElementsAre("very positive", "2"));
  EXPECT_THAT(d.lines, ElementsAre(2u, 3u));
}

TEST(ClassTsv, BadInputIsOneLineWithFileAndLine) {
  EXPECT_THAT(error_of([] { parse_class_tsv("text\tlabel\nok\tpos\nfine\t\n", "x.tsv"); }),
              HasSubstr("x.tsv:3: label missing"));
  EXPECT_THAT(error_of([] { parse_class_tsv("text\tlabel\nok\tpos\n \tneg\n", "x.tsv"); }),
              HasSubstr("x.tsv:3: empty sentence"));
  EXPECT_THAT(error_of([] { parse_class_tsv("text\tsentence\tlabel\na\tb\tpos\n", "x.tsv"); }),
              HasSubstr("x.tsv:1: header has the column 'sentence' twice"));
  EXPECT_THAT(error_of([] { parse_class_tsv("words\tlabel\na\tpos\n", "x.tsv"); }),
              HasSubstr("x.tsv:1: header 'words?label' has no 'sentence' or 'text' column"));
}

TEST(Jsonl, ReadsStringAndIntegerLabels) {
  TextData d = parse_jsonl(
      "{\"text\": \"a film\", \"label\": 3, \"id\": 7}\n{\"label\": \"neg\", \"text\": \" b \"}\n\n", "x.jsonl");
  EXPECT_TRUE(d.labeled);
  EXPECT_THAT(d.sentences, ElementsAre("a film", "b"));
  EXPECT_THAT(d.labels, ElementsAre("3", "neg"));
  TextData test = parse_jsonl("{\"text\": \"a\"}\n{\"text\": \"b\", \"label\": null}\n", "t.jsonl");
  EXPECT_FALSE(test.labeled);
}

TEST(Jsonl, BadInputIsOneLineWithFileAndLine) {
  const auto err = [](const std::string& text) { return error_of([&] { parse_jsonl(text, "x.jsonl"); }); };
  const std::string ok = "{\"text\": \"a\", \"label\": 1}\n";
  EXPECT_THAT(err(ok + "{\"text\": \"b\"}\n"), HasSubstr("x.jsonl:2: label missing"));
  EXPECT_THAT(err(ok + "{\"text\": \"  \", \"label\": 0}\n"), HasSubstr("x.jsonl:2: empty text"));
  EXPECT_THAT(err(ok + "{\"label\": 0}\n"), HasSubstr("x.jsonl:2: no \"text\" field"));
  EXPECT_THAT(err(ok + "{\"text\": \"b\", \"label\": 0.5}\n"), HasSubstr("x.jsonl:2: \"label\" is number"));
  EXPECT_THAT(err(ok + "{\"text\": \"b\", \"label\": \"\"}\n"), HasSubstr("x.jsonl:2: label missing"));
  EXPECT_THAT(err(ok + "[1, 2]\n"), HasSubstr("x.jsonl:2: not a JSON object"));
  EXPECT_THAT(err(ok + "{\"text\": \"b\n"), HasSubstr("x.jsonl:2: not a JSON object"));
  EXPECT_THAT(err(ok + "\n" + ok), HasSubstr("x.jsonl:2: empty line"));
  EXPECT_THAT(err("{\"text\": \"a\"}\n" + ok), HasSubstr("x.jsonl:2: has a \"label\" but the lines before have none"));
  EXPECT_THAT(err(ok + "{\"text\": \"caf\xC3\", \"label\": 1}\n"), HasSubstr("x.jsonl:2: not a JSON object"));
  EXPECT_THAT(err(""), HasSubstr("x.jsonl: no examples"));
}

}  // namespace
