// sst-prep's command line, run as a subprocess on tiny hand-written TSVs: one-line errors that name
// the problem and place, exit codes, and no output file after any failure.
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
using ::testing::StartsWith;
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
  // A failed run: exit 1, exactly one stderr line "sst-prep: error: ..." containing every `parts`,
  // and nothing at all written next to the output (no file, no temporary) when that directory is ours.
  void expect_failure(const ToolResult& r, const std::vector<std::string>& parts, const std::string& out,
                      bool own_dir = true) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, StartsWith("sst-prep: error: "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    for (const auto& p : parts) EXPECT_THAT(r.err, HasSubstr(p));
    EXPECT_FALSE(fs::exists(out));
    std::error_code ec;
    if (own_dir && fs::is_directory(fs::path(out).parent_path(), ec))
      EXPECT_TRUE(fs::is_empty(fs::path(out).parent_path())) << "leftovers next to " << out;
  }
  void expect_failure(const ToolResult& r, const std::vector<std::string>& parts) {
    expect_failure(r, parts, output());
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

TEST_F(PrepCli, MissingDataDirIsAnError) {
  ToolResult r = run_tool("sst-prep", {"--data-dir", tmp_ / "nope", "--output", output()});
  expect_failure(r, {"data directory " + (tmp_ / "nope") + " does not exist"});
}

TEST_F(PrepCli, MissingTrainTsvIsAnError) {
  fs::remove(data_dir() + "/train.tsv");
  expect_failure(prep(), {"cannot open " + data_dir() + "/train.tsv"});
}

TEST_F(PrepCli, MissingDevTsvIsAnError) {
  fs::remove(data_dir() + "/dev.tsv");
  expect_failure(prep(), {"cannot open " + data_dir() + "/dev.tsv"});
}

TEST_F(PrepCli, HeaderWithoutSentenceColumnIsAnError) {
  write_text(data_dir() + "/dev.tsv", "text\tlabel\nfine\t1\n");
  expect_failure(prep(), {data_dir() + "/dev.tsv:1:", "no 'sentence' column"});
}

TEST_F(PrepCli, BadLabelIsAnError) {
  write_text(data_dir() + "/train.tsv", labeled_tsv(5, 0) + "a fine film\tpos\n");
  expect_failure(prep(), {data_dir() + "/train.tsv:7: label 'pos' is not 0 or 1"});
}

TEST_F(PrepCli, EmptySentenceIsAnError) {
  write_text(data_dir() + "/train.tsv", labeled_tsv(3, 0) + "  \t1\n" + labeled_tsv(3, 1).substr(15));
  expect_failure(prep(), {data_dir() + "/train.tsv:5: empty sentence"});
}

TEST_F(PrepCli, InvalidUtf8IsAnError) {
  write_text(data_dir() + "/test.tsv", "index\tsentence\n0\tok\n1\tbad \xC3\x28 byte\n");
  // "index\tsentence\n" (15) + "0\tok\n" (5) + "1\tbad " (6): the bad byte is at offset 26.
  expect_failure(prep(), {data_dir() + "/test.tsv:3: invalid UTF-8 at byte offset 26"});
}

TEST_F(PrepCli, TooFewFieldsIsAnError) {
  write_text(data_dir() + "/dev.tsv", "sentence\tlabel\nfine\t1\njust a sentence\n");
  expect_failure(prep(), {data_dir() + "/dev.tsv:3: too few fields"});
}

TEST_F(PrepCli, BadModelTypeIsAnError) {
  expect_failure(prep({"--model-type", "wordpiece"}), {"model type 'wordpiece'"});
}

TEST_F(PrepCli, FailedRunLeavesAnExistingOutputUntouched) {
  write_text(output(), "previous contents");
  write_text(data_dir() + "/dev.tsv", "sentence\tlabel\nfine\t9\n");
  ToolResult r = prep();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(sst::test::read_text(output()), "previous contents");
  EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(output()).parent_path()), {}), 1);
}

TEST_F(PrepCli, UnwritableOutputDirectoryIsAnError) {
  ToolResult r = run_tool("sst-prep", {"--data-dir", data_dir(), "--output", "/proc/sst_out.h5"});
  expect_failure(r, {"output directory /proc is not writable"}, "/proc/sst_out.h5", /*own_dir=*/false);

  write_text(tmp_ / "regular", "x");
  const std::string under_file = tmp_ / "regular/out.h5";
  r = run_tool("sst-prep", {"--data-dir", data_dir(), "--output", under_file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot create output directory " + (tmp_ / "regular")));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_tool("sst-prep", {"--data-dir", data_dir(), "--output", data_dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is a directory"));
}

TEST_F(PrepCli, MissingRequiredOptionIsAUsageErrorWithExitTwo) {
  ToolResult r = run_tool("sst-prep", {"--data-dir", data_dir()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("sst-prep: error: "));
  EXPECT_THAT(r.err, HasSubstr("--output"));
  EXPECT_THAT(r.err, HasSubstr("sst-prep --help"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_tool("sst-prep", {"--data-dir", data_dir(), "--output", output(), "--vocab-size", "many"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_tool("sst-prep", {"--bogus"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(PrepCli, HelpDescribesTheOptions) {
  ToolResult r = run_tool("sst-prep", {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--data-dir", "--output", "--vocab-size", "--seed", "--model-type", "train.tsv"})
    EXPECT_THAT(r.out, HasSubstr(opt));
}

}  // namespace
