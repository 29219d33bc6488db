// The LibTorch side of sst-analyze (see model_io.h).
#include "analysis/model/model_io.h"

#include <torch/torch.h>

#include <numeric>

#include "common/error.h"
#include "model/transformer.h"
#include "shard/batch.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"

namespace sst::analysis::model {

struct Classifier::Impl {
  explicit Impl(const ModelConfig& cfg) : model(cfg) {}
  TransformerClassifier model;
};

namespace {
std::vector<Probs> to_probs(const torch::Tensor& t) {
  auto p = t.to(torch::kDouble).contiguous();
  auto a = p.accessor<double, 2>();
  std::vector<Probs> out(p.size(0), Probs(p.size(1)));
  for (int64_t i = 0; i < p.size(0); ++i)
    for (int64_t k = 0; k < p.size(1); ++k) out[i][k] = a[i][k];
  return out;
}
}  // namespace

Classifier::Classifier(const std::string& checkpoint, int threads) {
  if (threads > 0) torch::set_num_threads(threads);
  const CheckpointMeta meta = read_checkpoint_meta(checkpoint);
  impl_ = std::make_unique<Impl>(meta.model);
  load_evaluated_weights(checkpoint, impl_->model);  // the weight average, if the run kept one
  impl_->model->eval();                              // no dropout: deterministic predictions
  tokenizer_info_ = meta.tokenizer;
  class_names_ = meta.class_names;
  data_identity_ = dataset::identity_of(meta.tokenizer, meta.data_schema_version);
  tokenizer_ = std::make_unique<TextTokenizer>(meta.tokenizer.model_proto);
  const ModelConfig& m = meta.model;
  info_ = {checkpoint,     meta.state.step, m.d_model,    m.layers,
           m.heads,        m.max_len,       m.vocab_size, impl_->model->num_params(),
           meta.config_ini};
}

Classifier::~Classifier() = default;

void Classifier::check_same_classes(const std::vector<std::string>& names, const std::string& what) const {
  if (names == class_names_) return;
  const auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t k = 0; k < v.size() && k < 8; ++k) s += (k ? ", '" : "'") + v[k] + "'";
    return s + (v.size() > 8 ? ", ..." : "");
  };
  throw UserError(what + " has " + std::to_string(names.size()) + " classes (" + list(names) + "), checkpoint " +
                  info_.path + " was trained on " + std::to_string(class_names_.size()) + " (" + list(class_names_) +
                  "); evaluate it on data prepared from the same labels");
}

void Classifier::check_same_data(const dataset::DataIdentity& data, const std::string& what) const {
  dataset::refuse_other_tokenization(data_identity_, "checkpoint " + info_.path, data, what,
                                     "re-run sst-prep with the run's tokenizer, or evaluate with --tsv");
}

std::vector<Probs> Classifier::predict(const std::vector<std::vector<int32_t>>& tokens, int64_t batch_size) const {
  torch::NoGradGuard no_grad;
  std::vector<Probs> out;
  out.reserve(tokens.size());
  for (size_t begin = 0; begin < tokens.size(); begin += batch_size) {
    const size_t end = std::min(tokens.size(), begin + static_cast<size_t>(batch_size));
    std::vector<std::vector<int32_t>> chunk(tokens.begin() + begin, tokens.begin() + end);
    const auto b = shard::make_batch(chunk, std::vector<int64_t>(chunk.size(), 0), tokenizer_info_, info_.max_len);
    auto probs = to_probs(torch::softmax(impl_->model->forward(b.ids, b.pad_mask).to(torch::kFloat), -1));
    out.insert(out.end(), probs.begin(), probs.end());
  }
  return out;
}

std::vector<Probs> Classifier::predict_text(const std::vector<std::string>& sentences, int64_t batch_size) const {
  std::vector<std::vector<int32_t>> tokens;
  tokens.reserve(sentences.size());
  for (const auto& s : sentences) tokens.push_back(tokenizer_->encode(s));
  return predict(tokens, batch_size);
}

std::vector<Probs> Classifier::predict_split(const dataset::DatasetFile& file, const std::string& split) const {
  check_same_data(file.identity(), file.path());
  shard::SplitReader reader(file, split);
  std::vector<int64_t> ids(reader.size());
  std::iota(ids.begin(), ids.end(), 0);
  return to_probs(predict_probabilities(impl_->model, reader, ids, torch::kCPU));
}

AttentionResult Classifier::attention(const std::string& sentence) const {
  torch::NoGradGuard no_grad;
  const auto b = shard::make_batch({tokenizer_->encode(sentence)}, {0}, tokenizer_info_, info_.max_len);
  std::vector<torch::Tensor> layers;
  const auto logits = impl_->model->forward(b.ids, b.pad_mask, &layers);
  AttentionResult r;
  r.probs = to_probs(torch::softmax(logits.to(torch::kFloat), -1))[0];
  const int64_t T = b.ids.size(1);
  for (int64_t t = 0; t < T; ++t) {
    const auto id = static_cast<int32_t>(b.ids[0][t].item<int64_t>());
    r.ids.push_back(id);
    r.pieces.push_back(t == 0 ? "[CLS]" : tokenizer_->piece(id));
  }
  AttentionStack& a = r.attention;
  a.layers = static_cast<int>(layers.size());
  a.heads = layers.empty() ? 0 : static_cast<int>(layers[0].size(1));
  a.tokens = static_cast<int>(T);
  for (const auto& l : layers) {  // each [1, H, T, T]
    auto w = l.to(torch::kDouble).contiguous();
    a.weights.insert(a.weights.end(), w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
  }
  return r;
}

}  // namespace sst::analysis::model
