#include "analysis/model/text_tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"

namespace sst::analysis::model {
namespace {

// Next to the executable first (the build's bin/), then where the build put it.
TokenizerFactory load_factory() {
  static TokenizerFactory factory = [] {
    std::vector<std::string> candidates;
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back((exe.parent_path() / "libsst_tokenizer_shim.so").string());
    candidates.push_back(SST_TOKENIZER_SHIM_PATH);
    std::string errors;
    for (const auto& path : candidates) {
      if (!std::filesystem::exists(path)) continue;
      // Never closed: the tokenizer objects it creates live until exit.
      void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (!handle) {
        errors += std::string(" ") + ::dlerror();
        continue;
      }
      if (auto f = reinterpret_cast<TokenizerFactory>(::dlsym(handle, kTokenizerFactorySymbol))) return f;
      errors += " " + path + " lacks " + kTokenizerFactorySymbol;
    }
    throw UserError(
        "cannot load the SentencePiece module libsst_tokenizer_shim.so (looked next to the executable "
        "and in " SST_TOKENIZER_SHIM_PATH ")" +
        errors);
    return TokenizerFactory{};
  }();
  return factory;
}

}  // namespace

TextTokenizer::TextTokenizer(const std::string& model_proto) {
  std::string error;
  api_.reset(load_factory()(&model_proto, &error));
  if (!api_) throw UserError("cannot load the checkpoint's tokenizer: " + error);
}

std::vector<int32_t> TextTokenizer::encode(const std::string& text) const {
  std::vector<int32_t> ids;
  std::string error;
  if (!api_->encode(text, ids, error)) throw UserError(error);
  return ids;
}

std::string TextTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text, error;
  if (!api_->decode(ids, text, error)) throw UserError(error);
  return text;
}

std::string TextTokenizer::piece(int32_t id) const {
  std::string p, error;
  if (!api_->piece(id, p, error)) throw UserError(error);
  return p;
}

}  // namespace sst::analysis::model
