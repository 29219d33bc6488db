// What the tests of analysis/model share: a real SentencePiece model without SST-2 and without linking
// SentencePiece. These tests link LibTorch, and a process that holds both crashes (text_tokenizer.h), so
// the tokenizer is the one sst-prep trained, in its own process, for test_support.h's synthetic data set
// (word tokens over a 33-word vocabulary; built once per build tree, in well under a second).
#pragma once
#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "dataset/dataset_file.h"
#include "test_support.h"

namespace sst::analysis::model::model_test {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

// What every refusal of these modules is: a UserError of one line that says `what`.
inline auto one_line_error(const std::string& what) {
  return ThrowsMessage<UserError>(AllOf(HasSubstr(what), Not(HasSubstr("\n"))));
}

inline const std::string& synthetic_data() {
  static const std::string path = test::synthetic_dataset();
  return path;
}

// The synthetic data set's tokenizer, as a checkpoint trained on it records it.
inline const dataset::TokenizerInfo& word_tokenizer() {
  static const dataset::TokenizerInfo info = dataset::DatasetFile(synthetic_data()).tokenizer();
  return info;
}

// Sentences of the synthetic corpus's words (every one in the vocabulary), of 1 to 6 words.
inline std::vector<std::string> known_sentences() {
  return {"good",       "the film was dull", "a brilliant and moving story", "this movie is bland and tedious",
          "the actors", "it was fine"};
}

}  // namespace sst::analysis::model::model_test
