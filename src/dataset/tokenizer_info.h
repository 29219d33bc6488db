// The tokenizer as every stage sees it: the serialized SentencePiece model and the special ids the
// model relies on. Written into the HDF5 file by sst-prep and into every checkpoint by sst-train.
#pragma once
#include <cstdint>
#include <string>

namespace sst::dataset {

struct TokenizerInfo {
  std::string model_proto;  // serialized SentencePiece ModelProto bytes
  std::string type;         // "unigram", "bpe" or "word"
  int32_t vocab_size = 0;
  int32_t pad_id = 0, unk_id = 1, cls_id = 2, eos_id = 3;  // cls_id is SentencePiece's <s> (bos)
};

}  // namespace sst::dataset
