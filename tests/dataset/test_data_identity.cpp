// The identity of tokenized data: two files are interchangeable for a model only with the same
// tokenizer, vocabulary and (where both record it) schema; a refusal names both identities.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "dataset/data_identity.h"

using sst::dataset::DataIdentity;
using sst::dataset::identity_of;
using sst::dataset::TokenizerInfo;
using ::testing::HasSubstr;

namespace {

TokenizerInfo tokenizer(const std::string& proto, const std::string& type, int32_t vocab) {
  TokenizerInfo t;
  t.model_proto = proto;
  t.type = type;
  t.vocab_size = vocab;
  return t;
}

TEST(DataIdentity, AnotherTokenizerOfTheSameVocabularySizeDiffers) {
  const DataIdentity unigram = identity_of(tokenizer("unigram model", "unigram", 200), 1);
  const DataIdentity bpe = identity_of(tokenizer("bpe model", "bpe", 200), 1);
  EXPECT_TRUE(same_tokenization(unigram, identity_of(tokenizer("unigram model", "unigram", 200), 1)));
  EXPECT_FALSE(same_tokenization(unigram, bpe));
}

TEST(DataIdentity, VocabularyAndSchemaAreCompared) {
  const DataIdentity a = identity_of(tokenizer("m", "unigram", 200), 1);
  EXPECT_FALSE(same_tokenization(a, identity_of(tokenizer("m", "unigram", 300), 1)));
  EXPECT_FALSE(same_tokenization(a, identity_of(tokenizer("m", "unigram", 200), 2)));
}

TEST(DataIdentity, AnUnrecordedSchemaIsNotAMismatch) {
  // Checkpoints written before the schema was kept: the tokenizer and vocabulary still decide.
  const DataIdentity old = identity_of(tokenizer("m", "unigram", 200), 0);
  EXPECT_TRUE(same_tokenization(old, identity_of(tokenizer("m", "unigram", 200), 1)));
  EXPECT_FALSE(same_tokenization(old, identity_of(tokenizer("n", "unigram", 200), 1)));
  EXPECT_THAT(old.describe(), HasSubstr("schema unrecorded"));
}

TEST(DataIdentity, TheRefusalNamesBothIdentities) {
  const DataIdentity ckpt = identity_of(tokenizer("unigram model", "unigram", 200), 1);
  const DataIdentity data = identity_of(tokenizer("bpe model", "bpe", 200), 1);
  try {
    refuse_other_tokenization(ckpt, "checkpoint c.pt", data, "data file d.h5", "do something else");
    FAIL() << "accepted data tokenized differently";
  } catch (const sst::UserError& e) {
    const std::string m = e.what();
    EXPECT_THAT(m, HasSubstr("data file d.h5 was tokenized differently from what checkpoint c.pt was trained on"));
    EXPECT_THAT(m, HasSubstr("data: " + data.describe()));
    EXPECT_THAT(m, HasSubstr("checkpoint: " + ckpt.describe()));
    EXPECT_THAT(m, HasSubstr("; do something else"));
    EXPECT_EQ(m.find('\n'), std::string::npos);
  }
  EXPECT_NO_THROW(refuse_other_tokenization(ckpt, "c", ckpt, "d", "r"));
}

}  // namespace
