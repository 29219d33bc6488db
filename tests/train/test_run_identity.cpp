// What the ranks of a run compare before training together (train/run_identity.h): the effective
// configuration without each rank's own options, and the data's identity; the first differing key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataset/dataset_file.h"
#include "test_support.h"
#include "train/run_identity.h"

using ::testing::HasSubstr;

namespace {

sst::Config parsed(std::vector<std::string> args) {
  args.insert(args.begin(), "sst-train");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  sst::Config c;
  sst::parse_config(static_cast<int>(argv.size()), argv.data(), c);
  return c;
}

// A small valid file (the tokenizer blob is never parsed here, only digested).
std::string data_file(const sst::test::TempDir& dir, const std::string& name, const std::string& proto,
                      int8_t first_label = 0) {
  sst::dataset::TokenizerInfo tok;
  tok.model_proto = proto;
  tok.type = "unigram";
  tok.vocab_size = 10;
  std::vector<sst::dataset::Split> splits;
  for (const char* split : {"train", "dev"}) {
    sst::dataset::Split s;
    s.name = split;
    s.tokens = {4, 5, 6, 7};
    s.offsets = {0, 2, 4};
    s.labels = {first_label, 1};
    s.source_file = std::string(split) + ".tsv";
    s.source_sha256 = "ab12";
    splits.push_back(s);
  }
  const std::string path = dir / name;
  sst::dataset::write_dataset_file(path, tok, splits, "test");
  return path;
}

TEST(RunIdentity, EachRanksOwnOptionsAreLeftOutAndTheDataIsIn) {
  sst::test::TempDir dir("identity");
  const std::string a = data_file(dir, "a.h5", "proto"), b = data_file(dir, "b.h5", "proto");
  const std::string mine = sst::run_identity(parsed({"--data", a, "--train.threads=3"}), sst::dataset::DatasetFile(a));
  const std::string root = sst::run_identity(parsed({"--data", b, "--train.threads=1", "--train.memory_limit_gb=9"}),
                                             sst::dataset::DatasetFile(b));
  EXPECT_EQ(sst::first_difference(mine, root), std::nullopt) << "a copy of the data elsewhere, other threads";
  EXPECT_THAT(mine, HasSubstr("model.d_model = "));
  EXPECT_THAT(mine, HasSubstr("data.tokenizer = unigram sha256 "));
  EXPECT_THAT(mine, HasSubstr("data.split.train = 2 examples, 4 tokens"));
  EXPECT_EQ(mine.find("data.path"), std::string::npos);
}

TEST(RunIdentity, TheFirstDifferingKeyIsNamedWithBothValues) {
  sst::test::TempDir dir("identity");
  const std::string a = data_file(dir, "a.h5", "proto");
  const sst::dataset::DatasetFile data(a);
  const std::string root = sst::run_identity(parsed({"--data", a}), data);
  EXPECT_EQ(sst::first_difference(sst::run_identity(parsed({"--data", a, "--model.d_model=32"}), data), root),
            "model.d_model = 32 (rank 0: 128)");
  EXPECT_EQ(sst::first_difference(sst::run_identity(parsed({"--data", a, "--train.lr=0.002"}), data), root),
            "train.lr = 0.002 (rank 0: 0.001)");
}

TEST(RunIdentity, DataTokenizedOrLabelledOtherwiseDiffers) {
  sst::test::TempDir dir("identity");
  const std::string a = data_file(dir, "a.h5", "proto"), other_tokenizer = data_file(dir, "t.h5", "other proto"),
                    other_labels = data_file(dir, "l.h5", "proto", 1);
  const std::string root = sst::run_identity(parsed({"--data", a}), sst::dataset::DatasetFile(a));
  const auto t = sst::first_difference(
      sst::run_identity(parsed({"--data", other_tokenizer}), sst::dataset::DatasetFile(other_tokenizer)), root);
  ASSERT_TRUE(t.has_value());
  EXPECT_THAT(*t, HasSubstr("data.tokenizer = unigram sha256 "));
  const auto l = sst::first_difference(
      sst::run_identity(parsed({"--data", other_labels}), sst::dataset::DatasetFile(other_labels)), root);
  ASSERT_TRUE(l.has_value());
  EXPECT_THAT(*l, HasSubstr("data.split.train = 2 examples, 4 tokens"));
}

TEST(RunIdentity, AKeyOnlyOneSideHasIsADifference) {
  EXPECT_EQ(sst::first_difference("a = 1\nb = 2\n", "a = 1\n"), "b = 2 (rank 0: not set)");
  EXPECT_EQ(sst::first_difference("a = 1\n", "a = 1\nb = 2\n"), "b not set (rank 0: 2)");
}

}  // namespace
