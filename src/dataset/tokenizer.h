// SentencePiece for SST-2: in-memory, deterministic training and a small encode/decode wrapper
// that sst-prep, the tests and sst-analyze share. No SentencePiece types leak out of this header.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/enum_names.h"
#include "dataset/tokenizer_info.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace sst::dataset {

// SentencePiece's model types (word: whitespace-separated words, the rarest mapped to <unk>).
enum class TokenizerModel { kUnigram, kBpe, kWord };

struct TokenizerOptions {
  int vocab_size = 8000;                                 // an upper bound: small corpora get fewer pieces
  TokenizerModel model_type = TokenizerModel::kUnigram;  // as SentencePiece's --model_type
  uint32_t seed = 1234;                                  // SentencePiece's random generator seed
};

// Trains a model on `sentences` in memory (no files) with pad=0, unk=1, bos=2 (used as [CLS]),
// eos=3, character_coverage 1.0 and one thread, so equal inputs and seed give identical bytes.
// Throws UserError for bad options or when SentencePiece refuses the corpus.
sst::dataset::TokenizerInfo train_tokenizer(const std::vector<std::string>& sentences, const TokenizerOptions& opts);

// A loaded model. Not copyable; encode/decode are const and safe to call concurrently.
class Tokenizer {
 public:
  // `model_proto`: serialized SentencePiece ModelProto (TokenizerInfo::model_proto). Throws UserError.
  explicit Tokenizer(const std::string& model_proto);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Ids of the pieces of `text` (no [CLS]/eos added). Throws UserError on an encoding failure.
  std::vector<int32_t> encode(const std::string& text) const;
  // Detokenized text; special ids (pad, bos, eos) decode to nothing. Throws UserError on a bad id.
  std::string decode(const std::vector<int32_t>& ids) const;
  // The piece string of `id` (e.g. "▁the", "<pad>"); throws UserError if id is out of range.
  std::string piece(int32_t id) const;
  int32_t vocab_size() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  int32_t bos_id() const;
  int32_t eos_id() const;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace sst::dataset

namespace sst {
template <>
struct EnumNames<dataset::TokenizerModel> {
  static constexpr std::array<std::pair<dataset::TokenizerModel, const char*>, 3> kNames{
      {{dataset::TokenizerModel::kUnigram, "unigram"},
       {dataset::TokenizerModel::kBpe, "bpe"},
       {dataset::TokenizerModel::kWord, "word"}}};
};
}  // namespace sst
