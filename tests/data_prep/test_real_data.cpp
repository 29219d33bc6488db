// sst-prep on the real GLUE SST-2 files (directory in $SST2_DIR; skipped when unset): split sizes,
// labels, id ranges and source hashes of the file it writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "common/files.h"
#include "dataset/dataset_file.h"
#include "dataset/tokenizer.h"
#include "test_support.h"

using sst::test::TempDir;

namespace {

TEST(PrepRealData, Sst2HasTheGlueSplitSizesAndLabels) {
  const char* env = std::getenv("SST2_DIR");
  if (env == nullptr || *env == '\0')
    GTEST_SKIP() << "SST2_DIR is not set: point it at the GLUE SST-2 directory (train/dev/test.tsv) to run this test";
  const std::string dir = env;
  TempDir tmp;
  const std::string out = tmp / "sst2.h5";
  auto r = sst::test::run_tool("sst-prep", {"--data-dir", dir, "--output", out, "--vocab-size", "8000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  sst::dataset::DatasetFile f(out);
  EXPECT_EQ(f.tokenizer().vocab_size, 8000);
  EXPECT_EQ(f.tokenizer().type, "unigram");
  const std::vector<std::pair<std::string, int64_t>> expected = {{"train", 67349}, {"dev", 872}, {"test", 1821}};
  for (const auto& [name, n] : expected) {
    SCOPED_TRACE(name);
    sst::dataset::Split s = f.read_split(name);
    ASSERT_EQ(s.num_examples(), n);
    if (name == "test") {
      EXPECT_TRUE(std::all_of(s.labels.begin(), s.labels.end(), [](int8_t l) { return l == -1; }));
    } else {
      EXPECT_TRUE(std::all_of(s.labels.begin(), s.labels.end(), [](int8_t l) { return l == 0 || l == 1; }));
      EXPECT_GT(std::count(s.labels.begin(), s.labels.end(), 1), n / 3);  // both classes present
      EXPECT_GT(std::count(s.labels.begin(), s.labels.end(), 0), n / 3);
    }
    for (size_t i = 0; i + 1 < s.offsets.size(); ++i) ASSERT_GT(s.offsets[i + 1], s.offsets[i]) << "example " << i;
    // Text never encodes to pad, [CLS] or eos, and every id is inside the vocabulary.
    EXPECT_TRUE(std::all_of(s.tokens.begin(), s.tokens.end(), [&](int32_t id) {
      return id != 0 && id != 2 && id != 3 && id < f.tokenizer().vocab_size;
    }));
    EXPECT_EQ(f.source_sha256(name), sst::sha256_file(dir + "/" + name + ".tsv"));
  }
  // The first dev sentence, as in the GLUE file (trailing spaces trimmed).
  sst::dataset::Tokenizer tok(f.tokenizer().model_proto);
  auto first = f.read_examples("dev", f.read_offsets("dev"), {0});
  EXPECT_EQ(tok.decode(first[0]), "it 's a charming and often affecting journey .");
}

}  // namespace
