// The SentencePiece tokenizer for sst-analyze, loaded from a separate shared module.
//
// Why: Debian's libsentencepiece embeds and exports its own protobuf-lite 3.14, while LibTorch links the
// system libprotobuf 3.21. Loaded into one process the same symbols collide and the process crashes in
// protobuf's static initializers before main(). sst-analyze therefore does not link SentencePiece: the
// module libsst_tokenizer_shim.so (tokenizer_shim.cpp linked with the sst_tokenizer library) is dlopen'ed
// with RTLD_LOCAL | RTLD_DEEPBIND so SentencePiece binds to its own protobuf and LibTorch to the system one.
// Calls cross the boundary only through the virtual interface below (no symbol lookups).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sst::analysis::model {

// Implemented inside the shim; every method reports failure through `error` instead of throwing.
class TokenizerApi {
 public:
  virtual ~TokenizerApi() = default;
  virtual bool encode(const std::string& text, std::vector<int32_t>& ids, std::string& error) const = 0;
  virtual bool decode(const std::vector<int32_t>& ids, std::string& text, std::string& error) const = 0;
  virtual bool piece(int32_t id, std::string& piece, std::string& error) const = 0;
  virtual int32_t vocab_size() const = 0;
};

// The shim's factory, looked up with dlsym: returns nullptr and sets *error on failure.
extern "C" typedef TokenizerApi* (*TokenizerFactory)(const std::string* model_proto, std::string* error);
constexpr const char* kTokenizerFactorySymbol = "sst_analysis_make_tokenizer";

// What the rest of sst-analyze uses: same operations as dataset::Tokenizer, failures as sst::UserError.
class TextTokenizer {
 public:
  explicit TextTokenizer(const std::string& model_proto);
  std::vector<int32_t> encode(const std::string& text) const;
  std::string decode(const std::vector<int32_t>& ids) const;
  std::string piece(int32_t id) const;
  int32_t vocab_size() const { return api_->vocab_size(); }

 private:
  std::unique_ptr<TokenizerApi> api_;
};

}  // namespace sst::analysis::model
