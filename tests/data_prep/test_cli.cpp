// sst-prep's command line, run as a subprocess on tiny hand-written TSVs: what a good run writes, and
// the help. Every bad input (one-line errors, exit codes, nothing written) is a row of the catalogue in
// tests/hostile/test_prep.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "dataset/dataset_file.h"
#include "dataset/tokenizer.h"
#include "test_support.h"

using sst::test::run_tool;
using sst::test::TempDir;
using sst::test::ToolResult;
using sst::test::write_text;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

std::string labeled_tsv(int n, int salt) {
  const char* words[] = {"good", "bad", "film", "movie", "plot", "acting", "funny", "dull", "sharp", "long"};
  std::string s = "sentence\tlabel\n";
  for (int i = 0; i < n; ++i)
    s += std::string("the ") + words[(i + salt) % 10] + " " + words[(i * 3 + salt) % 10] + " is " +
         words[(i * 7 + 1) % 10] + " .  \t" + std::to_string(i % 2) + "\n";
  return s;
}

class PrepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(data_dir() + "/train.tsv", labeled_tsv(60, 0));
    write_text(data_dir() + "/dev.tsv", labeled_tsv(6, 3));
    write_text(data_dir() + "/test.tsv", "index\tsentence\n0\tthe plot is funny .\n1\tdull acting\n2\tlong film\n");
  }
  std::string data_dir() const { return tmp_ / "data"; }
  std::string output() const { return tmp_ / "out/prep.h5"; }
  ToolResult prep(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data-dir", data_dir(), "--output", output(), "--vocab-size", "200"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_tool("sst-prep", args);
  }
  TempDir tmp_;
};

TEST_F(PrepCli, GoodTinyDatasetWritesAReadableFile) {
  ToolResult r = prep();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("wrote " + output()));
  sst::dataset::DatasetFile f(output());
  auto train = f.read_split("train");
  auto dev = f.read_split("dev");
  auto test = f.read_split("test");
  EXPECT_EQ(train.num_examples(), 60);
  EXPECT_EQ(dev.num_examples(), 6);
  EXPECT_EQ(test.num_examples(), 3);
  EXPECT_EQ(train.labels[0], 0);
  EXPECT_EQ(train.labels[1], 1);
  EXPECT_TRUE(std::all_of(test.labels.begin(), test.labels.end(), [](int8_t l) { return l == -1; }));
  EXPECT_EQ(train.source_file, "train.tsv");
  EXPECT_LE(f.tokenizer().vocab_size, 200);
  sst::dataset::Tokenizer tok(f.tokenizer().model_proto);
  std::vector<int32_t> first(train.tokens.begin(), train.tokens.begin() + train.offsets[1]);
  EXPECT_EQ(tok.decode(first), "the good good is bad .");
  EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(output()).parent_path()), {}), 1);
}

TEST_F(PrepCli, MissingTestTsvIsOnlyANote) {
  fs::remove(data_dir() + "/test.tsv");
  ToolResult r = prep();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("note:"));
  EXPECT_FALSE(sst::dataset::DatasetFile(output()).has_split("test"));
}

TEST_F(PrepCli, HelpDescribesTheOptions) {
  ToolResult r = run_tool("sst-prep", {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--data-dir", "--output", "--vocab-size", "--seed", "--model-type", "train.tsv"})
    EXPECT_THAT(r.out, HasSubstr(opt));
}

}  // namespace
