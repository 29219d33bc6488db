// The tokenizer as every stage sees it: the serialized SentencePiece model and the special ids the
// model relies on. Written into the HDF5 file by sst-prep and into every checkpoint by sst-train, both
// through one field table (for_each_tokenizer_field).
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

namespace sst::dataset {

struct TokenizerInfo {
  std::string model_proto;  // serialized SentencePiece ModelProto bytes
  std::string type;         // "unigram", "bpe" or "word"
  int32_t vocab_size = 0;
  int32_t pad_id = 0, unk_id = 1, cls_id = 2, eos_id = 3;  // cls_id is SentencePiece's <s> (bos)
};

// Every field but the model blob (a data set in HDF5, a byte tensor in a checkpoint), each once: calls
// f(name, field) for `t` (TokenizerInfo or const TokenizerInfo), in order. The names are the HDF5 file's
// /tokenizer attributes; a checkpoint keeps the string as tokenizer/<name> and the int32 ids, in this
// order, as the tensor tokenizer/ids. Every file and checkpoint written has all of them.
template <typename T, typename F>
void for_each_tokenizer_field(T& t, F&& f) {
  f("type", t.type);
  f("vocab_size", t.vocab_size);
  f("pad_id", t.pad_id);
  f("unk_id", t.unk_id);
  f("cls_id", t.cls_id);
  f("eos_id", t.eos_id);
}

template <typename V>
constexpr bool kIsTokenizerId = std::is_same_v<std::decay_t<V>, int32_t>;

}  // namespace sst::dataset
