#include "dataset/data_identity.h"

#include "common/error.h"
#include "common/files.h"

namespace sst::dataset {

std::string DataIdentity::describe() const {
  return tokenizer_type + " tokenizer sha256 " + tokenizer_sha256.substr(0, 12) + ", vocabulary " +
         std::to_string(vocab_size) + ", schema " +
         (schema_version > 0 ? std::to_string(schema_version) : "unrecorded");
}

DataIdentity identity_of(const TokenizerInfo& tokenizer, int32_t schema_version) {
  return {tokenizer.type, sha256_bytes(tokenizer.model_proto), tokenizer.vocab_size, schema_version};
}

bool same_tokenization(const DataIdentity& a, const DataIdentity& b) {
  // The type is part of the model whose digest is compared; it is shown, not compared apart.
  const bool schema_known = a.schema_version > 0 && b.schema_version > 0;
  return a.tokenizer_sha256 == b.tokenizer_sha256 && a.vocab_size == b.vocab_size &&
         (!schema_known || a.schema_version == b.schema_version);
}

void refuse_other_tokenization(const DataIdentity& checkpoint, const std::string& what_checkpoint,
                               const DataIdentity& data, const std::string& what_data, const std::string& remedy) {
  if (same_tokenization(checkpoint, data)) return;
  throw UserError(what_data + " was tokenized differently from what " + what_checkpoint + " was trained on (data: " +
                  data.describe() + "; checkpoint: " + checkpoint.describe() + "); " + remedy);
}

}  // namespace sst::dataset
