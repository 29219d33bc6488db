// The sst-prep pipeline as a library call (data_prep/prep.h: run_prep): the summary it returns is what the
// file holds, the log says what it did (the tokenizer, the classes, a missing test split); labels of any name
// become class ids in byte or numeric order; every input problem is found before the slow tokenizer training
// and leaves nothing at the output; an old file at the output is replaced whole.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <sstream>
#include <string>

#include "common/error.h"
#include "dataset/dataset_file.h"
#include "prep.h"
#include "test_support.h"

namespace fs = std::filesystem;
using sst::test::TempDir;
using sst::test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const char* const kWords[] = {"good", "bad", "film", "movie", "plot", "acting", "funny", "dull", "sharp", "long"};

// n sentences of four words; their labels cycle through `labels`. `jsonl`: {"text", "label"} lines instead.
std::string sentences(int n, int salt, const std::vector<std::string>& labels, bool jsonl = false) {
  std::string s = jsonl ? "" : "sentence\tlabel\n";
  for (int i = 0; i < n; ++i) {
    const std::string text = std::string("the ") + kWords[(i + salt) % 10] + " " + kWords[(i * 3 + salt) % 10] +
                             " is " + kWords[(i * 7 + 1) % 10];
    const std::string& label = labels[static_cast<size_t>(i) % labels.size()];
    s += jsonl ? "{\"text\": \"" + text + "\", \"label\": \"" + label + "\"}\n" : text + " .\t" + label + "\n";
  }
  return s;
}

sst::prep::PrepOptions options(const TempDir& dir, sst::prep::InputFormat format = sst::prep::InputFormat::kSst2) {
  sst::prep::PrepOptions o;
  o.data_dir = dir / "data";
  o.format = format;
  o.output = dir / "out.h5";
  o.tokenizer.vocab_size = 60;
  return o;
}

std::string prep_error(const sst::prep::PrepOptions& o) {
  std::ostringstream log;
  try {
    sst::prep::run_prep(o, log);
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Prep, TheSummaryIsWhatTheFileHolds) {
  TempDir dir("prep");
  write_text(dir / "data/train.tsv", sentences(60, 0, {"0", "1"}));
  write_text(dir / "data/dev.tsv", sentences(6, 3, {"1", "0"}));
  std::ostringstream log;
  const auto s = sst::prep::run_prep(options(dir), log);
  ASSERT_EQ(s.splits.size(), 2u);  // no test.tsv: no test split
  EXPECT_EQ(s.splits[0].name, "train");
  EXPECT_EQ(s.splits[0].examples, 60);
  EXPECT_EQ(s.splits[1].examples, 6);
  EXPECT_THAT(s.class_names, ElementsAre("0", "1"));
  EXPECT_EQ(s.output, dir / "out.h5");
  sst::dataset::DatasetFile f(dir / "out.h5");
  EXPECT_EQ(f.tokenizer().vocab_size, s.vocab_size);
  EXPECT_LE(s.vocab_size, 60);
  EXPECT_FALSE(f.has_split("test"));
  const auto train = f.read_split("train");
  EXPECT_EQ(train.num_examples(), 60);
  EXPECT_EQ(static_cast<int64_t>(train.tokens.size()), s.splits[0].tokens);
  EXPECT_EQ(train.labels[1], 1);
  EXPECT_EQ(f.read_labels("dev")[0], 1);
  EXPECT_THAT(log.str(), HasSubstr("note: " + dir / "data/test.tsv" + " not found; writing no test split\n"));
  EXPECT_THAT(log.str(),
              HasSubstr("tokenizer: unigram, vocab size " + std::to_string(s.vocab_size) + " (requested 60)"));
  EXPECT_THAT(log.str(), HasSubstr("wrote " + dir / "out.h5" + " in "));
  EXPECT_THAT(log.str(), Not(HasSubstr("classes:")));  // SST-2's are always 0 and 1
}

// JSONL with three named labels: ids in byte order of the names, the same in every split.
TEST(Prep, NamedLabelsBecomeClassIdsInByteOrder) {
  TempDir dir("prep");
  write_text(dir / "data/train.jsonl", sentences(60, 0, {"pos", "neg", "neutral"}, true));
  write_text(dir / "data/dev.jsonl", sentences(6, 3, {"neutral"}, true));
  write_text(dir / "data/test.jsonl", "{\"text\": \"the plot is funny\"}\n");
  std::ostringstream log;
  const auto s = sst::prep::run_prep(options(dir, sst::prep::InputFormat::kJsonl), log);
  EXPECT_THAT(s.class_names, ElementsAre("neg", "neutral", "pos"));
  EXPECT_THAT(log.str(), HasSubstr("classes: 3: 'neg' = 0, 'neutral' = 1, 'pos' = 2\n"));
  sst::dataset::DatasetFile f(dir / "out.h5");
  EXPECT_EQ(f.num_classes(), 3);
  EXPECT_THAT(f.read_labels("train"), testing::BeginEndDistanceIs(60));
  EXPECT_EQ(f.read_labels("train")[0], 2);  // pos
  EXPECT_EQ(f.read_labels("train")[1], 0);  // neg
  for (int8_t id : f.read_labels("dev")) EXPECT_EQ(id, 1);
  EXPECT_EQ(f.read_labels("test")[0], -1);  // unlabeled
}

TEST(Prep, InputProblemsAreFoundFirstAndLeaveNothing) {
  TempDir dir("prep");
  write_text(dir / "data/train.tsv", sentences(60, 0, {"0", "1"}));
  write_text(dir / "data/dev.tsv", sentences(6, 3, {"0", "1"}));
  auto o = options(dir);
  o.output = dir / "data/train.tsv";
  EXPECT_THAT(prep_error(o), HasSubstr("--output " + dir / "data/train.tsv"));
  EXPECT_EQ(sst::test::read_text(dir / "data/train.tsv"), sentences(60, 0, {"0", "1"}));
  o.output = dir / "data";
  EXPECT_EQ(prep_error(o), "output " + dir / "data" + " is a directory (expected a .h5 file path)");
  o = options(dir);
  o.data_dir = dir / "nowhere";
  EXPECT_EQ(prep_error(o), "data directory " + dir / "nowhere" + " does not exist");
  write_text(dir / "data/dev.tsv", "sentence\tlabel\n");
  EXPECT_EQ(prep_error(options(dir)), dir / "data/dev.tsv" + ": no examples after the header");
  write_text(dir / "data/dev.tsv", "sentence\nthe plot is dull .\n");
  EXPECT_EQ(prep_error(options(dir)),
            dir / "data/dev.tsv" + ": header has no 'label' column (the dev split must be labeled)");
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
}

TEST(Prep, AnOldFileAtTheOutputIsReplacedWhole) {
  TempDir dir("prep");
  write_text(dir / "data/train.tsv", sentences(60, 0, {"0", "1"}));
  write_text(dir / "data/dev.tsv", sentences(6, 3, {"0", "1"}));
  write_text(dir / "out.h5", "an older, unrelated file");
  std::ostringstream log;
  sst::prep::run_prep(options(dir), log);
  EXPECT_EQ(sst::dataset::DatasetFile(dir / "out.h5").read_split("dev").num_examples(), 6);
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr(".tmp"))) << "a temporary was left behind";
}
