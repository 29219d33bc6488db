// SentencePiece training and encoding for sst-prep. Training runs from an in-memory iterator and
// returns the serialized model, so nothing is written to disk and the model lives in the HDF5 file.
#include "dataset/tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <mutex>

#include "common/error.h"

// Exported by libsentencepiece 0.1.97 but not declared in its public headers. `--minloglevel` in the
// trainer args takes effect only after the trainer has logged its command line, so set it up front.
namespace sentencepiece::logging {
void SetMinLogLevel(int v);
}

namespace sst::dataset {
namespace {

// Feeds the training sentences to SentencePiece without copying them.
class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& s) : s_(s) {}
  bool done() const override { return i_ >= s_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return s_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& s_;
  size_t i_ = 0;
};

}  // namespace

sst::dataset::TokenizerInfo train_tokenizer(const std::vector<std::string>& sentences, const TokenizerOptions& opts) {
  if (opts.vocab_size < 8 || opts.vocab_size > 1000000)
    throw UserError("vocab size " + std::to_string(opts.vocab_size) + " is out of range (8 .. 1000000)");
  if (sentences.empty()) throw UserError("cannot train a tokenizer on zero sentences");
  // SetRandomGeneratorSeed reserves ~0u for "seed from std::random_device": refuse it to stay deterministic.
  if (opts.seed == ~0u) throw UserError("seed 4294967295 is reserved by SentencePiece; use another seed");

  // The seed is global state in SentencePiece, so concurrent trainings in one process are serialized.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  sentencepiece::SetRandomGeneratorSeed(opts.seed);
  sentencepiece::logging::SetMinLogLevel(2);  // errors only: sst-prep prints its own summary

  // input_sentence_size=0 and no shuffling: every sentence is used, in order. One thread keeps the
  // floating-point reductions of EM in a fixed order. No model_prefix: the model comes back in memory.
  const std::string args = "--model_type=" + enum_name(opts.model_type) +
                           " --vocab_size=" + std::to_string(opts.vocab_size) +
                           " --character_coverage=1.0 --pad_id=0 --unk_id=1 --bos_id=2 --eos_id=3"
                           " --hard_vocab_limit=false --num_threads=1 --input_sentence_size=0"
                           " --shuffle_input_sentence=false --minloglevel=2";
  VectorIterator it(sentences);
  std::string proto;
  auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto);
  if (!status.ok()) throw UserError("tokenizer training failed: " + status.ToString());

  sst::dataset::TokenizerInfo info;
  info.model_proto = proto;
  info.type = enum_name(opts.model_type);
  Tokenizer tok(proto);
  info.vocab_size = tok.vocab_size();
  info.pad_id = tok.pad_id();
  info.unk_id = tok.unk_id();
  info.cls_id = tok.bos_id();
  info.eos_id = tok.eos_id();
  return info;
}

Tokenizer::Tokenizer(const std::string& model_proto) : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  auto status = sp_->LoadFromSerializedProto(model_proto);
  if (!status.ok()) throw UserError("cannot load the SentencePiece model: " + status.ToString());
}

Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode(const std::string& text) const {
  std::vector<int> ids;
  auto status = sp_->Encode(text, &ids);
  if (!status.ok()) throw UserError("cannot encode text: " + status.ToString());
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::vector<int> v;
  v.reserve(ids.size());
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw UserError("token id " + std::to_string(id) + " is out of range");
    v.push_back(id);
  }
  std::string out;
  auto status = sp_->Decode(v, &out);
  if (!status.ok()) throw UserError("cannot decode ids: " + status.ToString());
  return out;
}

std::string Tokenizer::piece(int32_t id) const {
  if (id < 0 || id >= vocab_size()) throw UserError("token id " + std::to_string(id) + " is out of range");
  return sp_->IdToPiece(id);
}

int32_t Tokenizer::vocab_size() const { return sp_->GetPieceSize(); }
int32_t Tokenizer::pad_id() const { return sp_->pad_id(); }
int32_t Tokenizer::unk_id() const { return sp_->unk_id(); }
int32_t Tokenizer::bos_id() const { return sp_->bos_id(); }
int32_t Tokenizer::eos_id() const { return sp_->eos_id(); }

}  // namespace sst::dataset
