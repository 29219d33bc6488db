// The sentiment classifier: a pre-LayerNorm transformer encoder over [CLS] + tokens.
//
//   ids [B,T] -> token embedding + learned position embedding (model.position) -> dropout
//             -> L x { x + Attn(LN(x)) ; x + FFN(LN(x)) }  (padded keys masked in every layer)
//             -> final LN -> pool ([CLS] position, or mean over real tokens) -> Linear -> logits [B,2]
// In training, word dropout (model.word_dropout) hides random tokens as if they were padding.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/config.h"

namespace sst {

class EncoderLayerImpl : public torch::nn::Module {
 public:
  EncoderLayerImpl(int64_t d_model, int64_t heads, int64_t ff_dim, double dropout);
  // x [B,T,D]; key_pad [B,1,1,T] bool, true at padded keys. If `attention` is given, the layer takes the
  // explicit softmax path and stores its weights [B,H,T,T] there (analysis); otherwise it uses the
  // fused scaled_dot_product_attention where LibTorch has it (2.x; common/torch_compat.h).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_pad, torch::Tensor* attention = nullptr);

 private:
  torch::Tensor self_attention(const torch::Tensor& x, const torch::Tensor& key_pad, torch::Tensor* attention);

  int64_t heads_;
  double dropout_;
  torch::nn::LayerNorm ln1_{nullptr}, ln2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
  // Query and value biases only: a key bias adds the same q.b to every score of a query, which
  // softmax removes, so its exact gradient is zero and Adam would turn rounding noise into updates.
  torch::Tensor q_bias_, v_bias_;
};
TORCH_MODULE(EncoderLayer);

class TransformerClassifierImpl : public torch::nn::Module {
 public:
  explicit TransformerClassifierImpl(const ModelConfig& cfg);
  // ids [B,T] int64, pad_mask [B,T] bool (true = padding) -> logits [B,2].
  // With `attention`, one [B,H,T,T] tensor per layer is appended to it.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& pad_mask,
                        std::vector<torch::Tensor>* attention = nullptr);

  const ModelConfig& config() const { return cfg_; }
  const torch::Tensor& token_embedding() const { return tok_emb_->weight; }  // [vocab, d_model]
  int64_t num_params() const;
  int64_t num_embedding_params() const;  // token + position tables
  int64_t num_non_embedding_params() const { return num_params() - num_embedding_params(); }
  // Training FLOPs per real token over sequences of effective length t_eff (model/flops.h).
  double train_flops_per_token(double t_eff) const;

 private:
  ModelConfig cfg_;
  torch::nn::Embedding tok_emb_{nullptr}, pos_emb_{nullptr};
  torch::nn::ModuleList layers_;
  torch::nn::LayerNorm final_ln_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(TransformerClassifier);

// Word dropout: pad_mask [B,T] (true = padding) with each real token except [CLS] (position 0)
// also set true with probability p, drawn from the global generator. [CLS] stays, so every row
// keeps a key to attend to and a token to pool.
torch::Tensor drop_words(const torch::Tensor& pad_mask, double p);

// Parameters split for AdamW: weight matrices decay; biases, LayerNorm and embeddings do not.
struct ParamGroups {
  std::vector<torch::Tensor> decay, no_decay;
};
ParamGroups split_for_weight_decay(TransformerClassifier& model);

}  // namespace sst
