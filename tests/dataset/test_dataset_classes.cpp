// The classes in the HDF5 file (schema 2): K names round-trip, labels are checked against K, and a
// schema 1 file (SST-2 only) still reads as two classes named "0" and "1".
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "dataset/dataset_file.h"
#include "test_support.h"

using sst::UserError;
using sst::dataset::DatasetFile;
using sst::dataset::Split;
using sst::dataset::TokenizerInfo;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

TokenizerInfo fake_tokenizer() {
  TokenizerInfo t;
  t.model_proto = "proto bytes";
  t.type = "word";
  t.vocab_size = 50;
  return t;
}

Split split_with(const std::string& name, std::vector<int8_t> labels) {
  Split s;
  s.name = name;
  s.offsets.push_back(0);
  for (size_t i = 0; i < labels.size(); ++i) {
    s.tokens.push_back(static_cast<int32_t>(5 + i));
    s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
  }
  s.labels = std::move(labels);
  s.source_file = name + ".jsonl";
  s.source_sha256 = std::string(64, 'a');
  return s;
}

std::string open_error(const std::string& path) {
  try {
    DatasetFile f(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(DatasetClasses, KNamesRoundTrip) {
  sst::test::TempDir dir;
  const std::string path = dir / "k5.h5";
  const std::vector<std::string> names{"awful", "bad", "good", "great", "very good"};
  sst::dataset::write_dataset_file(path, fake_tokenizer(),
                                   {split_with("train", {0, 1, 2, 3, 4}), split_with("dev", {4, 0})}, "test", names);
  const DatasetFile f(path);
  EXPECT_EQ(f.schema_version(), sst::dataset::kSchemaVersion);
  EXPECT_EQ(f.num_classes(), 5);
  EXPECT_EQ(f.class_names(), names);
  EXPECT_EQ(f.identity().schema_version, sst::dataset::kTokenSchemaVersion);
}

TEST(DatasetClasses, ALabelOutsideTheClassesIsRefused) {
  sst::test::TempDir dir;
  const std::string path = dir / "k3.h5";
  sst::dataset::write_dataset_file(path, fake_tokenizer(), {split_with("train", {0, 1, 3}), split_with("dev", {0})},
                                   "test", {"a", "b", "c"});
  EXPECT_THAT(open_error(path), HasSubstr(path + ": split 'train': example 2 has label 3 (expected 0 .. 2)"));
  EXPECT_THROW(sst::dataset::write_dataset_file(dir / "k1.h5", fake_tokenizer(), {}, "test", {"only"}), UserError);
}

TEST(DatasetClasses, SchemaOneFileReadsAsTwoClasses) {
  sst::test::TempDir dir;
  const std::string path = dir / "v1.h5";
  sst::dataset::write_dataset_file(path, fake_tokenizer(), {split_with("train", {0, 1}), split_with("dev", {1})},
                                   "test");
  {
    H5::H5File f(path, H5F_ACC_RDWR);
    const int32_t v = 1;
    f.openAttribute("schema_version").write(H5::PredType::NATIVE_INT32, &v);
    f.removeAttr("num_classes");
    f.removeAttr("class_names");
  }
  const DatasetFile f(path);
  EXPECT_EQ(f.schema_version(), 1);
  EXPECT_THAT(f.class_names(), ElementsAre("0", "1"));
}

}  // namespace
