// What makes two tokenized files interchangeable for a model: the tokenizer (its SentencePiece model's
// SHA-256 and type), the vocabulary size and the file's schema. A checkpoint records it (sst-train
// refuses to resume on data tokenized otherwise), sst-analyze compares a checkpoint with the data it
// evaluates, and the ranks of one run compare theirs before training (train/run_identity.h).
#pragma once
#include <cstdint>
#include <string>

#include "dataset/tokenizer_info.h"

namespace sst::dataset {

struct DataIdentity {
  std::string tokenizer_type;    // "unigram", "bpe", "word"
  std::string tokenizer_sha256;  // of the serialized SentencePiece model
  int32_t vocab_size = 0;
  int32_t schema_version = 0;  // 0: not recorded (a checkpoint written before it was kept)

  // "unigram tokenizer sha256 3f2a09c1d4e5, vocabulary 200, schema 1" (the digest's first 12 digits:
  // enough to tell two apart in a message).
  std::string describe() const;
};

DataIdentity identity_of(const TokenizerInfo& tokenizer, int32_t schema_version);

// The same tokenizer and vocabulary, and the same schema where both record one: a model trained on
// one reads the other's token ids as it was trained to.
bool same_tokenization(const DataIdentity& a, const DataIdentity& b);

// Throws UserError naming both identities if `data` was tokenized differently from what `checkpoint`
// was trained on; `what_data` and `what_checkpoint` name them ("data file d.h5", "checkpoint c.pt"),
// `remedy` ends the line.
void refuse_other_tokenization(const DataIdentity& checkpoint, const std::string& what_checkpoint,
                               const DataIdentity& data, const std::string& what_data, const std::string& remedy);

}  // namespace sst::dataset
