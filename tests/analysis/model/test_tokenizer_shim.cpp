// The SentencePiece module (analysis/model/tokenizer_shim.cpp, libsst_tokenizer_shim.so) on its own, loaded
// as text_tokenizer.cpp loads it: its one exported factory, and its contract that no exception crosses the
// module boundary (every failure comes back as false or nullptr with the message in `error`).
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "analysis/model/text_tokenizer.h"
#include "tests/analysis/model/model_fixtures.h"

namespace sst::analysis::model::model_test {
namespace {

using ::testing::IsEmpty;

// The factory of the built module next to this test (bin/), opened with text_tokenizer.cpp's flags.
TokenizerFactory shim_factory() {
  const std::string path = test::bin_dir() + "/libsst_tokenizer_shim.so";
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!handle) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
  return reinterpret_cast<TokenizerFactory>(::dlsym(handle, kTokenizerFactorySymbol));
}

std::unique_ptr<TokenizerApi> make(const std::string& proto, std::string& error) {
  return std::unique_ptr<TokenizerApi>(shim_factory()(&proto, &error));
}

TEST(AnalysisTokenizerShim, ExportsTheFactoryUnderItsDocumentedName) {
  EXPECT_NE(shim_factory(), nullptr) << kTokenizerFactorySymbol << " is not exported";
}

TEST(AnalysisTokenizerShim, FactoryReturnsNullAndTheReasonForAModelThatIsNotSentencePiece) {
  for (const std::string proto : {std::string(), std::string("not a SentencePiece model")}) {
    std::string error;
    EXPECT_EQ(make(proto, error), nullptr);
    EXPECT_THAT(error, HasSubstr("cannot load the SentencePiece model")) << "proto '" << proto << "'";
  }
}

TEST(AnalysisTokenizerShim, EncodesAndDecodesWithTheCheckpointModel) {
  std::string error;
  const auto api = make(word_tokenizer().model_proto, error);
  ASSERT_NE(api, nullptr) << error;
  EXPECT_EQ(api->vocab_size(), word_tokenizer().vocab_size);
  for (const std::string& sentence : known_sentences()) {
    std::vector<int32_t> ids;
    std::string text;
    ASSERT_TRUE(api->encode(sentence, ids, error)) << error;
    EXPECT_FALSE(ids.empty());
    ASSERT_TRUE(api->decode(ids, text, error)) << error;
    EXPECT_EQ(text, sentence);
  }
  std::string piece;
  ASSERT_TRUE(api->piece(word_tokenizer().cls_id, piece, error)) << error;
  EXPECT_EQ(piece, "<s>");
  EXPECT_THAT(error, IsEmpty()) << "a success leaves `error` alone";
}

TEST(AnalysisTokenizerShim, BadIdsComeBackAsFalseWithTheMessageNotAsExceptions) {
  std::string error;
  const auto api = make(word_tokenizer().model_proto, error);
  ASSERT_NE(api, nullptr) << error;
  const int32_t past_end = api->vocab_size();
  std::string text = "untouched", piece;
  bool ok = true;
  EXPECT_NO_THROW(ok = api->decode({4, past_end}, text, error));
  EXPECT_FALSE(ok);
  EXPECT_EQ(error, "token id " + std::to_string(past_end) + " is out of range");
  error.clear();
  EXPECT_NO_THROW(ok = api->piece(-1, piece, error));
  EXPECT_FALSE(ok);
  EXPECT_EQ(error, "token id -1 is out of range");
}

}  // namespace
}  // namespace sst::analysis::model::model_test
