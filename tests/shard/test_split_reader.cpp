// Batches from a split: preloaded tokens and per-batch file reads give identical padded batches,
// and an id outside the split is a clear error either way.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "dataset/dataset_file.h"
#include "shard/batch.h"

using sst::shard::SplitReader;

namespace {

class SplitReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sst_split_reader_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "d.h5").string();
    sst::dataset::TokenizerInfo tok;
    tok.model_proto = "proto";
    tok.type = "bpe";
    tok.vocab_size = 100;
    tok.pad_id = 0;
    tok.cls_id = 2;
    std::vector<sst::dataset::Split> splits;
    for (const std::string name : {"train", "dev"}) {
      sst::dataset::Split s;
      s.name = name;
      s.offsets = {0};
      for (int i = 0; i < 50; ++i) {
        for (int j = 0; j <= i % 7; ++j) s.tokens.push_back(10 + (i + j) % 80);
        s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
        s.labels.push_back(static_cast<int8_t>(i % 2));
      }
      s.source_file = name + ".tsv";
      s.source_sha256 = std::string(64, 'a');
      splits.push_back(s);
    }
    sst::dataset::write_dataset_file(path_, tok, splits, "test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SplitReaderTest, PreloadedAndFileReadBatchesAreIdentical) {
  sst::dataset::DatasetFile file(path_);
  SplitReader from_file(file, "train", /*preload=*/false), in_memory(file, "train", /*preload=*/true);
  const std::vector<int64_t> ids = {49, 3, 3, 0, 17, 6};
  for (int64_t max_len : {4, 64}) {
    auto a = from_file.batch(ids, max_len), b = in_memory.batch(ids, max_len);
    EXPECT_TRUE(torch::equal(a.ids, b.ids));
    EXPECT_TRUE(torch::equal(a.pad_mask, b.pad_mask));
    EXPECT_TRUE(torch::equal(a.labels, b.labels));
    EXPECT_EQ(a.real_tokens, b.real_tokens);
    EXPECT_EQ(a.truncated, b.truncated);
  }
}

TEST_F(SplitReaderTest, IdOutsideTheSplitIsAUserError) {
  sst::dataset::DatasetFile file(path_);
  for (bool preload : {false, true}) {
    SplitReader r(file, "dev", preload);
    EXPECT_THROW(r.batch({50}, 16), sst::UserError) << "preload " << preload;
  }
}

}  // namespace
