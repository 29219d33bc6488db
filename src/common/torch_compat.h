// The one place where LibTorch 1.13 (Debian, CPU, used in CI) and LibTorch 2.x (CUDA) differ for us.
#pragma once
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <functional>
#include <memory>

namespace sst::compat {

constexpr bool kTorch2 = TORCH_VERSION_MAJOR >= 2;

inline std::string torch_version() { return TORCH_VERSION; }

// Scaled dot-product attention over q, k, v [B, H, T, Dh] with an additive mask broadcastable to
// [B, H, T, T] (0 where attended, -inf at padded keys). LibTorch 2.x has fused kernels
// (flash / memory-efficient on CUDA); 1.13 gets the explicit softmax(QK^T/sqrt(d)+mask)V.
inline torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v, const torch::Tensor& additive_mask,
                                                  double dropout_p) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, additive_mask, dropout_p, /*is_causal=*/false);
#else
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  auto weights = torch::softmax(scores + additive_mask, -1);
  if (dropout_p > 0) weights = torch::dropout(weights, dropout_p, /*train=*/true);
  return torch::matmul(weights, v);
#endif
}

// Calls `fn` every time autograd has accumulated a gradient into leaf `param`'s .grad (a post
// hook on its AccumulateGrad node, the mechanism PyTorch DDP uses). The returned handle keeps that
// node, and so the hook, alive; the tensor itself only holds it weakly.
inline std::shared_ptr<void> after_grad_accumulated(const torch::Tensor& param, std::function<void()> fn) {
  auto accumulator = torch::autograd::impl::grad_accumulator(param);
  TORCH_CHECK(accumulator, "after_grad_accumulated: not a leaf tensor that requires grad");
  accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
      [fn = std::move(fn)](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
        fn();
        return outputs;
      }));
  return accumulator;
}

// Waits for queued GPU work so host timers measure it (benchmark mode only).
inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// True when CUDA is both compiled into LibTorch and present at run time.
inline bool cuda_available() { return torch::cuda::is_available(); }

}  // namespace sst::compat
