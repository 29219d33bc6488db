#include "model/transformer.h"

#include <cmath>
#include <limits>

#include "common/torch_compat.h"
#include "model/flops.h"

namespace sst {

EncoderLayerImpl::EncoderLayerImpl(int64_t d_model, int64_t heads, int64_t ff_dim, double dropout)
    : heads_(heads), dropout_(dropout) {
  ln1_ = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  qkv_ = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(d_model, 3 * d_model).bias(false)));
  q_bias_ = register_parameter("q_bias", torch::zeros({d_model}));
  v_bias_ = register_parameter("v_bias", torch::zeros({d_model}));
  proj_ = register_module("proj", torch::nn::Linear(d_model, d_model));
  ln2_ = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  ff1_ = register_module("ff1", torch::nn::Linear(d_model, ff_dim));
  ff2_ = register_module("ff2", torch::nn::Linear(ff_dim, d_model));
}

torch::Tensor EncoderLayerImpl::self_attention(const torch::Tensor& x, const torch::Tensor& key_pad,
                                               torch::Tensor* attention) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), Dh = D / heads_;
  // [B,T,3D] -> 3 x [B,H,T,Dh]. The biases are cast to the projection's dtype (bf16 under autocast) so
  // q, k and v share one dtype; their gradients still reach the fp32 parameters through the cast.
  auto qkv = qkv_->forward(x).view({B, T, 3, heads_, Dh}).permute({2, 0, 3, 1, 4});
  auto q = qkv[0] + q_bias_.to(qkv.scalar_type()).view({1, heads_, 1, Dh});
  auto k = qkv[1];
  auto v = qkv[2] + v_bias_.to(qkv.scalar_type()).view({1, heads_, 1, Dh});
  torch::Tensor ctx;
  const double p = is_training() ? dropout_ : 0.0;
  if (attention || !compat::kHasFusedAttention) {
    // Scores and softmax in fp32 whatever the matmul precision; -inf at padded keys.
    auto scores = torch::matmul(q, k.transpose(-2, -1)).to(torch::kFloat) / std::sqrt(static_cast<double>(Dh));
    auto w = torch::softmax(scores.masked_fill(key_pad, -std::numeric_limits<float>::infinity()), -1);
    if (attention) *attention = w.detach();
    ctx = torch::matmul(torch::dropout(w, p, is_training()).to(v.scalar_type()), v);
  } else {
    ctx = compat::fused_attention(q, k, v, key_pad.logical_not(), p);
  }
  return proj_->forward(ctx.transpose(1, 2).reshape({B, T, D}));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_pad,
                                        torch::Tensor* attention) {
  auto h = x + torch::dropout(self_attention(ln1_->forward(x), key_pad, attention), dropout_, is_training());
  auto f = ff2_->forward(torch::dropout(torch::gelu(ff1_->forward(ln2_->forward(h))), dropout_, is_training()));
  return h + torch::dropout(f, dropout_, is_training());
}

TransformerClassifierImpl::TransformerClassifierImpl(const ModelConfig& cfg) : cfg_(cfg) {
  tok_emb_ = register_module("tok_emb", torch::nn::Embedding(cfg.vocab_size, cfg.d_model));
  if (cfg.position == Position::kLearned)
    pos_emb_ = register_module("pos_emb", torch::nn::Embedding(cfg.max_len, cfg.d_model));
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.layers; ++i)
    layers_->push_back(EncoderLayer(cfg.d_model, cfg.heads, cfg.ff_dim, cfg.dropout));
  final_ln_ = register_module("final_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));
  head_ = register_module("head", torch::nn::Linear(cfg.d_model, cfg.num_classes));

  // GPT-2 style init: N(0, 0.02) weights, zero biases; residual projections scaled by 1/sqrt(2L)
  // so the residual stream's variance does not grow with depth.
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    const std::string& name = p.key();
    auto& t = p.value();
    if (name.find("ln") != std::string::npos) continue;                       // LayerNorm keeps weight 1, bias 0
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {  // incl. q_bias, v_bias
      t.zero_();
    } else {
      bool residual = name.find("proj.weight") != std::string::npos || name.find("ff2.weight") != std::string::npos;
      t.normal_(0.0, residual ? 0.02 / std::sqrt(2.0 * cfg.layers) : 0.02);
    }
  }
}

torch::Tensor drop_words(const torch::Tensor& pad_mask, double p) {
  if (p <= 0) return pad_mask;
  auto drop = torch::rand(pad_mask.sizes(), torch::TensorOptions().device(pad_mask.device())) < p;
  drop.select(1, 0).fill_(false);  // never [CLS]
  return pad_mask | drop;
}

torch::Tensor TransformerClassifierImpl::forward(const torch::Tensor& ids, const torch::Tensor& input_pad_mask,
                                                 std::vector<torch::Tensor>* attention) {
  const int64_t T = ids.size(1);
  const torch::Tensor pad_mask = is_training() ? drop_words(input_pad_mask, cfg_.word_dropout) : input_pad_mask;
  auto x = tok_emb_->forward(ids);
  if (pos_emb_) x = x + pos_emb_->forward(torch::arange(T, ids.options())).unsqueeze(0);
  x = torch::dropout(x, cfg_.dropout, is_training());
  // Padded keys [B,1,1,T], broadcast over heads and queries: no real token ever attends to padding.
  const auto key_pad = pad_mask.view({ids.size(0), 1, 1, T});
  for (auto& layer : *layers_) {
    torch::Tensor w;
    x = layer->as<EncoderLayer>()->forward(x, key_pad, attention ? &w : nullptr);
    if (attention) attention->push_back(w);
  }
  x = final_ln_->forward(x);
  torch::Tensor pooled;
  if (cfg_.pooling == Pooling::kMean) {
    auto keep = (~pad_mask).unsqueeze(-1).to(x.dtype());  // [B,T,1]
    pooled = (x * keep).sum(1) / keep.sum(1);
  } else {
    pooled = x.select(1, 0);  // [CLS]
  }
  return head_->forward(pooled);
}

int64_t TransformerClassifierImpl::num_params() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

int64_t TransformerClassifierImpl::num_embedding_params() const {
  return tok_emb_->weight.numel() + (pos_emb_ ? pos_emb_->weight.numel() : 0);
}

double TransformerClassifierImpl::train_flops_per_token(double t_eff) const {
  return sst::train_flops_per_token(num_non_embedding_params(), cfg_.layers, cfg_.d_model, t_eff);
}

ParamGroups split_for_weight_decay(TransformerClassifier& model) {
  ParamGroups g;
  for (auto& p : model->named_parameters()) {
    const std::string& name = p.key();
    bool is_matrix = p.value().dim() == 2 && name.find("emb") == std::string::npos;
    (is_matrix ? g.decay : g.no_decay).push_back(p.value());
  }
  return g;
}

}  // namespace sst
