// The HDF5 file sst-prep writes: write/read round trip through write_dataset_file + DatasetFile, and
// a clear UserError for files that are not ours (built here with the HDF5 C++ API).
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "dataset/dataset_file.h"
#include "test_support.h"

using sst::UserError;
using sst::dataset::DatasetFile;
using sst::dataset::Split;
using sst::dataset::TokenizerInfo;
using sst::test::TempDir;
using ::testing::HasSubstr;

namespace {

TokenizerInfo fake_tokenizer() {
  TokenizerInfo t;
  t.model_proto = std::string("\x0a\x00\xff\x10proto bytes\x00", 17);  // binary, with NULs: must survive
  t.type = "bpe";
  t.vocab_size = 321;
  return t;
}

Split make_split(const std::string& name, std::vector<std::vector<int32_t>> examples, std::vector<int8_t> labels) {
  Split s;
  s.name = name;
  s.offsets.push_back(0);
  for (const auto& e : examples) {
    s.tokens.insert(s.tokens.end(), e.begin(), e.end());
    s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
  }
  s.labels = std::move(labels);
  s.source_file = name + ".tsv";
  s.source_sha256 = std::string(64, name[0]);
  return s;
}

const std::vector<std::vector<int32_t>> kTrain = {{5, 6, 7}, {8}, {9, 10, 11, 12}, {13, 14}, {300, 4}};

std::string expect_open_error(const std::string& path) {
  try {
    DatasetFile f(path);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "DatasetFile(" << path << ") did not throw";
  return "";
}

TEST(DatasetFileIo, WriteThenReadRoundTripsEverything) {
  TempDir dir;
  const std::string path = dir / "d.h5";
  Split train = make_split("train", kTrain, {0, 1, 1, 0, 1});
  Split test = make_split("test", {{20, 21}, {22}}, {-1, -1});
  sst::dataset::write_dataset_file(path, fake_tokenizer(), {train, test}, "unit test");

  DatasetFile f(path);
  EXPECT_EQ(f.tokenizer().model_proto, fake_tokenizer().model_proto);
  EXPECT_EQ(f.tokenizer().type, "bpe");
  EXPECT_EQ(f.tokenizer().vocab_size, 321);
  EXPECT_EQ(f.tokenizer().cls_id, 2);
  EXPECT_TRUE(f.has_split("train"));
  EXPECT_TRUE(f.has_split("test"));
  EXPECT_FALSE(f.has_split("dev"));
  for (const Split& want : {train, test}) {
    Split got = f.read_split(want.name);
    EXPECT_EQ(got.tokens, want.tokens);
    EXPECT_EQ(got.offsets, want.offsets);
    EXPECT_EQ(got.labels, want.labels);
    EXPECT_EQ(got.source_file, want.source_file);
    EXPECT_EQ(f.source_sha256(want.name), want.source_sha256);
  }
  // No temporary left next to the output.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

// read_examples, checked on a given id list: the ids of every example in the requested order.
void expect_examples(const DatasetFile& f, const std::vector<int64_t>& ids) {
  std::vector<std::vector<int32_t>> got;
  try {
    got = f.read_examples("train", f.read_offsets("train"), ids);
  } catch (const H5::Exception& e) {
    FAIL() << "HDF5 exception: " << e.getDetailMsg();
  }
  ASSERT_EQ(got.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(got[i], kTrain[ids[i]]) << "position " << i;
}

class DatasetFileExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    sst::dataset::write_dataset_file(path_, fake_tokenizer(), {make_split("train", kTrain, {0, 1, 1, 0, 1})}, "t");
  }
  TempDir dir_;
  std::string path_ = dir_ / "d.h5";
};

TEST_F(DatasetFileExamples, ReadExamplesReturnsRightIdsForOutOfOrderIds) {
  DatasetFile f(path_);
  expect_examples(f, {4, 0, 2, 3});
  expect_examples(f, {3, 1, 0, 4, 2});
  expect_examples(f, {1});
  EXPECT_THROW(f.read_examples("train", f.read_offsets("train"), {5}), UserError);
}

TEST_F(DatasetFileExamples, ReadExamplesHandlesRepeatedIds) {
  DatasetFile f(path_);
  expect_examples(f, {4, 0, 2, 0, 3});
}

// Issue 26 #14: the file rewritten in place while a run reads it (data.preload = false), read from
// another thread as the batch prefetcher does. HDF5's error stack (its printing is a per-thread setting
// in a thread-safe build) must not reach stderr: one UserError naming the file and what was read.
TEST_F(DatasetFileExamples, AFileRewrittenWhileReadOnAnotherThreadIsOneErrorAndNoHdf5Stack) {
  DatasetFile f(path_);
  const auto offsets = f.read_offsets("train");
  const auto size = std::filesystem::file_size(path_);
  {
    std::FILE* out = std::fopen(path_.c_str(), "r+");  // the same inode, every byte zero
    ASSERT_NE(out, nullptr);
    const std::string zeros(size, '\0');
    ASSERT_EQ(std::fwrite(zeros.data(), 1, zeros.size(), out), zeros.size());
    std::fclose(out);
  }
  std::string error;
  testing::internal::CaptureStderr();
  std::thread reader([&] {
    try {
      f.read_examples("train", offsets, {0, 2, 4});
    } catch (const UserError& e) {
      error = e.what();
    } catch (const H5::Exception& e) {
      error = "H5::Exception escaped: " + e.getDetailMsg();
    }
  });
  reader.join();
  const std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "") << "HDF5 printed its error stack";
  EXPECT_THAT(error, HasSubstr(path_ + ": cannot read "));
  EXPECT_THAT(error, HasSubstr("(was the file changed while in use?)"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

// Every field of the tokenizer's table, each with a value no other field and no default has, survives
// the file; a member the table forgets would leave the struct bigger than the table says.
TEST(DatasetFileIo, EveryTokenizerFieldRoundTrips) {
  TokenizerInfo want = fake_tokenizer();
  want.type = "word";
  want.vocab_size = 400;
  want.pad_id = 11;
  want.unk_id = 12;
  want.cls_id = 13;
  want.eos_id = 14;
  size_t bytes = sizeof(want.model_proto);
  sst::dataset::for_each_tokenizer_field(want, [&](const char*, const auto& v) { bytes += sizeof(v); });
  const size_t align = alignof(TokenizerInfo);
  EXPECT_EQ(sizeof(TokenizerInfo), (bytes + align - 1) / align * align) << "a member is missing from the table";

  TempDir dir;
  const std::string path = dir / "d.h5";
  sst::dataset::write_dataset_file(path, want, {make_split("train", kTrain, {0, 1, 1, 0, 1})}, "t");
  DatasetFile f(path);
  const TokenizerInfo got = f.tokenizer();
  EXPECT_EQ(got.model_proto, want.model_proto);
  std::vector<std::string> seen;
  sst::dataset::for_each_tokenizer_field(want, [&](const char* name, const auto& w) {
    sst::dataset::for_each_tokenizer_field(got, [&](const char* other, const auto& g) {
      if constexpr (std::is_same_v<decltype(w), decltype(g)>)
        if (std::string(name) == other) EXPECT_EQ(g, w) << name;
    });
    seen.emplace_back(name);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"type", "vocab_size", "pad_id", "unk_id", "cls_id", "eos_id"}));
}

TEST(DatasetFileIo, MissingFileIsAUserError) {
  EXPECT_THAT(expect_open_error("/nonexistent/d.h5"), HasSubstr("does not exist"));
}

TEST(DatasetFileIo, NonHdf5FileIsAUserError) {
  TempDir dir;
  sst::test::write_text(dir / "x.h5", "sentence\tlabel\nnot hdf5\t1\n");
  EXPECT_THAT(expect_open_error(dir / "x.h5"), HasSubstr("is not an HDF5 file"));
}

TEST(DatasetFileIo, Hdf5FileWithoutFormatAttributeIsAUserError) {
  TempDir dir;
  const std::string path = dir / "other.h5";
  {
    H5::H5File f(path, H5F_ACC_TRUNC);
    f.createGroup("/something_else");
  }
  EXPECT_THAT(expect_open_error(path), HasSubstr("no matching 'format' attribute"));
}

TEST(DatasetFileIo, DifferentSchemaVersionIsAUserError) {
  TempDir dir;
  const std::string path = dir / "future.h5";
  {
    H5::H5File f(path, H5F_ACC_TRUNC);
    H5::StrType st(H5::PredType::C_S1, std::string(sst::dataset::kFormatName).size());
    f.createAttribute("format", st, H5::DataSpace(H5S_SCALAR)).write(st, std::string(sst::dataset::kFormatName));
    int32_t v = sst::dataset::kSchemaVersion + 98;
    f.createAttribute("schema_version", H5::PredType::NATIVE_INT32, H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_INT32, &v);
  }
  std::string msg = expect_open_error(path);
  EXPECT_THAT(msg, HasSubstr("schema version " + std::to_string(sst::dataset::kSchemaVersion + 98)));
  EXPECT_THAT(msg, HasSubstr("re-run sst-prep"));
}

TEST(DatasetFileIo, LackingSplitIsAUserError) {
  TempDir dir;
  const std::string path = dir / "d.h5";
  sst::dataset::write_dataset_file(path, fake_tokenizer(), {make_split("train", kTrain, {0, 1, 1, 0, 1})}, "t");
  DatasetFile f(path);
  for (auto read :
       {+[](const DatasetFile& d) { d.read_offsets("dev"); }, +[](const DatasetFile& d) { d.read_labels("dev"); },
        +[](const DatasetFile& d) { d.read_split("dev"); }}) {
    try {
      read(f);
      ADD_FAILURE() << "expected UserError";
    } catch (const UserError& e) {
      EXPECT_THAT(e.what(), HasSubstr("has no split 'dev'"));
    }
  }
}

TEST(DatasetFileIo, FailedWriteLeavesNoFile) {
  TempDir dir;
  sst::test::write_text(dir / "plain", "x");
  const std::string path = dir / "plain/d.h5";  // parent is a regular file
  EXPECT_THROW(
      sst::dataset::write_dataset_file(path, fake_tokenizer(), {make_split("train", kTrain, {0, 1, 1, 0, 1})}, "t"),
      UserError);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

}  // namespace
