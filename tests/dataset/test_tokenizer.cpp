// Tokenizer: in-memory training, round trips, determinism for a seed, and the configured special ids.
#include "dataset/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"

using sst::dataset::Tokenizer;
using sst::dataset::TokenizerModel;
using sst::dataset::TokenizerOptions;
using sst::dataset::train_tokenizer;
using ::testing::HasSubstr;

namespace {

// A small but varied corpus: every combination of a few phrase parts.
std::vector<std::string> corpus() {
  const std::vector<std::string> subj = {"the movie",
                                         "this film",
                                         "the acting",
                                         "her performance",
                                         "the plot",
                                         "a charming story",
                                         "the director 's vision"};
  const std::vector<std::string> verb = {"is", "was", "feels", "remains", "seems"};
  const std::vector<std::string> adj = {
      "wonderful",           "boring",  "utterly bleak", "surprisingly funny", "a major disappointment",
      "inventive and sharp", "too long"};
  std::vector<std::string> out;
  for (const auto& s : subj)
    for (const auto& v : verb)
      for (const auto& a : adj) out.push_back(s + " " + v + " " + a + " .");
  return out;
}

TokenizerOptions small(TokenizerModel type = TokenizerModel::kUnigram, uint32_t seed = 7) {
  TokenizerOptions o;
  o.vocab_size = 120;
  o.model_type = type;
  o.seed = seed;
  return o;
}

TEST(Tokenizer, EncodeDecodeRoundTripReturnsTheNormalizedSentence) {
  Tokenizer tok(train_tokenizer(corpus(), small()).model_proto);
  for (std::string s :
       {"the movie is wonderful .", "this film remains a major disappointment .", "boring plot . inventive story"}) {
    std::vector<int32_t> ids = tok.encode(s);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok.decode(ids), s);
  }
  // The default normalizer (nmt_nfkc) collapses runs of spaces and strips the ends.
  EXPECT_EQ(tok.decode(tok.encode("  the   plot  is   boring . ")), "the plot is boring .");
}

TEST(Tokenizer, BpeRoundTripWorksToo) {
  Tokenizer tok(train_tokenizer(corpus(), small(TokenizerModel::kBpe)).model_proto);
  EXPECT_EQ(tok.decode(tok.encode("the acting was too long .")), "the acting was too long .");
}

// Word pieces: every known word is one id, an unseen word is <unk> (not split into pieces).
TEST(Tokenizer, WordModelKeepsWordsWhole) {
  Tokenizer tok(train_tokenizer(corpus(), small(TokenizerModel::kWord)).model_proto);
  EXPECT_EQ(tok.encode("the acting was too long .").size(), 6u);
  EXPECT_EQ(tok.decode(tok.encode("the acting was too long .")), "the acting was too long .");
  std::vector<int32_t> ids = tok.encode("the actingplot");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[1], 1) << "an unseen word is <unk>";
}

TEST(Tokenizer, SameSeedGivesIdenticalModelBytes) {
  for (const TokenizerModel type : {TokenizerModel::kUnigram, TokenizerModel::kBpe, TokenizerModel::kWord}) {
    auto a = train_tokenizer(corpus(), small(type, 42));
    auto b = train_tokenizer(corpus(), small(type, 42));
    EXPECT_EQ(a.model_proto, b.model_proto) << sst::enum_name(type);
    EXPECT_FALSE(a.model_proto.empty());
  }
}

TEST(Tokenizer, SpecialIdsAreAsConfigured) {
  auto info = train_tokenizer(corpus(), small());
  EXPECT_EQ(info.type, "unigram");
  EXPECT_EQ(info.pad_id, 0);
  EXPECT_EQ(info.unk_id, 1);
  EXPECT_EQ(info.cls_id, 2);
  EXPECT_EQ(info.eos_id, 3);
  Tokenizer tok(info.model_proto);
  EXPECT_EQ(tok.vocab_size(), info.vocab_size);
  EXPECT_EQ(tok.piece(0), "<pad>");
  EXPECT_EQ(tok.piece(1), "<unk>");
  EXPECT_EQ(tok.piece(2), "<s>");
  EXPECT_EQ(tok.piece(3), "</s>");
  // Plain text never produces pad/bos/eos; an unseen character becomes unk.
  for (int32_t id : tok.encode("the movie is wonderful .")) EXPECT_GT(id, 3);
  std::vector<int32_t> ids = tok.encode("the movie is \xE2\x98\x83");  // U+2603 never seen in training
  EXPECT_NE(std::find(ids.begin(), ids.end(), 1), ids.end());
}

TEST(Tokenizer, SmallCorpusGetsFewerPiecesInsteadOfFailing) {
  TokenizerOptions o = small();
  o.vocab_size = 8000;
  auto info = train_tokenizer(corpus(), o);
  EXPECT_GT(info.vocab_size, 4);
  EXPECT_LT(info.vocab_size, 8000);
}

TEST(Tokenizer, BadOptionsAndBadInputsAreUserErrors) {
  // The model type is an enum: its names are SentencePiece's, and no other name parses.
  EXPECT_EQ(sst::enum_choices<TokenizerModel>(), "unigram | bpe | word");
  EXPECT_FALSE(sst::parse_enum<TokenizerModel>("wordpiece"));
  EXPECT_EQ(sst::parse_enum<TokenizerModel>("bpe"), TokenizerModel::kBpe);
  TokenizerOptions o = small();
  o.vocab_size = 2;
  EXPECT_THROW(train_tokenizer(corpus(), o), sst::UserError);
  EXPECT_THROW(train_tokenizer({}, small()), sst::UserError);
  try {
    Tokenizer t("definitely not a model proto");
    FAIL() << "expected UserError";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot load the SentencePiece model"));
  }
  Tokenizer tok(train_tokenizer(corpus(), small()).model_proto);
  EXPECT_THROW(tok.decode({5, tok.vocab_size()}), sst::UserError);
  EXPECT_THROW(tok.piece(-1), sst::UserError);
}

}  // namespace
