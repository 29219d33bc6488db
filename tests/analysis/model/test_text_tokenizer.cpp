// TextTokenizer (analysis/model/text_tokenizer.cpp): the checkpoint's SentencePiece model as sst-analyze
// uses it, through the module it loads at run time. It tokenizes as sst-prep did (the ids of a data file
// come back from their own text), and the module's failures arrive as one-line sst::UserErrors.
#include "analysis/model/text_tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/analysis/model/model_fixtures.h"

namespace sst::analysis::model::model_test {
namespace {

using ::testing::StrEq;

const std::string kWordStart = "\xE2\x96\x81";  // U+2581: SentencePiece's mark of a word's first piece

TEST(AnalysisTextTokenizer, IdsOfTheDataFileComeBackFromTheirOwnText) {
  const TextTokenizer tok(word_tokenizer().model_proto);
  const dataset::Split dev = dataset::DatasetFile(synthetic_data()).read_split("dev");
  ASSERT_GE(dev.num_examples(), 20);
  for (int64_t i = 0; i < 20; ++i) {
    const std::vector<int32_t> ids(dev.tokens.begin() + dev.offsets[i], dev.tokens.begin() + dev.offsets[i + 1]);
    const std::string text = tok.decode(ids);
    EXPECT_EQ(tok.encode(text), ids) << "dev example " << i << ": '" << text << "'";
  }
}

TEST(AnalysisTextTokenizer, WordModelGivesOnePiecePerKnownWordAndUnkForAnUnseenOne) {
  const TextTokenizer tok(word_tokenizer().model_proto);
  EXPECT_EQ(tok.vocab_size(), word_tokenizer().vocab_size);
  const std::vector<int32_t> ids = tok.encode("the film was good");
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(tok.piece(ids[1]), kWordStart + "film");
  EXPECT_EQ(tok.piece(ids[3]), kWordStart + "good");
  for (int32_t id : ids) EXPECT_GT(id, word_tokenizer().eos_id) << "a word is never a special id";
  EXPECT_EQ(tok.encode("the zebra"), (std::vector<int32_t>{ids[0], word_tokenizer().unk_id}));
  EXPECT_EQ(tok.piece(word_tokenizer().pad_id), "<pad>");
}

TEST(AnalysisTextTokenizer, DecodeUndoesEncodeAndDropsSpecialIds) {
  const TextTokenizer tok(word_tokenizer().model_proto);
  for (const std::string& s : known_sentences()) {
    std::vector<int32_t> ids = tok.encode(s);
    EXPECT_EQ(tok.decode(ids), s);
    ids.insert(ids.begin(), word_tokenizer().cls_id);
    ids.push_back(word_tokenizer().pad_id);
    EXPECT_EQ(tok.decode(ids), s) << "[CLS] and padding decode to nothing";
  }
}

TEST(AnalysisTextTokenizer, AModelThatIsNotSentencePieceIsAOneLineUserError) {
  EXPECT_THAT([] { TextTokenizer tok("\x01\x02 not a model"); },
              one_line_error("cannot load the checkpoint's tokenizer: cannot load the SentencePiece model"));
}

TEST(AnalysisTextTokenizer, OutOfRangeIdsAreUserErrorsNamingTheId) {
  const TextTokenizer tok(word_tokenizer().model_proto);
  const int32_t past_end = tok.vocab_size();
  EXPECT_THAT(
      [&] {
        tok.decode({4, past_end});
      },
      ThrowsMessage<UserError>(StrEq("token id " + std::to_string(past_end) + " is out of range")));
  EXPECT_THAT([&] { tok.piece(-1); }, ThrowsMessage<UserError>(StrEq("token id -1 is out of range")));
  EXPECT_NO_THROW(tok.piece(past_end - 1)) << "the last id is in range";
}

}  // namespace
}  // namespace sst::analysis::model::model_test
