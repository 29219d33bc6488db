// The shared module behind text_tokenizer.h: dataset::Tokenizer (SentencePiece) behind a virtual interface.
#include "analysis/model/text_tokenizer.h"
#include "common/error.h"
#include "dataset/tokenizer.h"

namespace {

class Shim : public sst::analysis::model::TokenizerApi {
 public:
  explicit Shim(const std::string& proto) : tok_(proto) {}
  bool encode(const std::string& text, std::vector<int32_t>& ids, std::string& error) const override {
    return guard(error, [&] { ids = tok_.encode(text); });
  }
  bool decode(const std::vector<int32_t>& ids, std::string& text, std::string& error) const override {
    return guard(error, [&] { text = tok_.decode(ids); });
  }
  bool piece(int32_t id, std::string& piece, std::string& error) const override {
    return guard(error, [&] { piece = tok_.piece(id); });
  }
  int32_t vocab_size() const override { return tok_.vocab_size(); }

 private:
  template <typename F>
  static bool guard(std::string& error, F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {  // exceptions do not cross the module boundary
      error = e.what();
      return false;
    }
  }
  sst::dataset::Tokenizer tok_;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) sst::analysis::model::TokenizerApi* sst_analysis_make_tokenizer(
    const std::string* proto, std::string* error) {
  try {
    return new Shim(*proto);
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}
