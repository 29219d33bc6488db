// The one place where LibTorch 1.13 (Debian, CPU, used in CI) and LibTorch 2.x (CUDA) differ for us.
#pragma once
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace sst::compat {

constexpr bool kTorch2 = TORCH_VERSION_MAJOR >= 2;

inline std::string torch_version() { return TORCH_VERSION; }

// Fused attention: LibTorch 2.x's scaled_dot_product_attention (flash / memory-efficient kernels on
// CUDA, a flash kernel on CPU). 1.13 has none; the model then takes its explicit path
// (softmax(QK^T/sqrt(d) + mask) V), as it always does where attention weights are wanted.
constexpr bool kHasFusedAttention = TORCH_VERSION_MAJOR >= 2;

// q, k, v [B, H, T, Dh] of one dtype; `attend` [B, 1, 1, T] bool, true at the keys that take part (a
// boolean mask means "attend here" to scaled_dot_product_attention; it is converted to the query's dtype
// inside, so the same mask serves fp32 and bf16). Dropout on the attention weights with probability
// `dropout_p`, which the caller sets to 0 outside training (the op itself does not look at the mode).
// Only called where kHasFusedAttention.
inline torch::Tensor fused_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                     const torch::Tensor& attend, double dropout_p) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, attend, dropout_p, /*is_causal=*/false);
#else
  (void)q, (void)k, (void)v, (void)attend, (void)dropout_p;
  TORCH_CHECK(false, "fused attention needs LibTorch 2.x");
#endif
}

// Mixed precision: while alive, eligible ops on `device` (matmuls, linear layers) run in bf16 with fp32
// inputs cast on the fly (autocast: CPU autocast on CPU, CUDA autocast on CUDA). The weights stay fp32;
// the casts of a weight are cached until the outermost guard ends. LibTorch 2.4 replaced the per-device
// setters (set_cpu_enabled, set_autocast_cpu_dtype, ...) with ones taking the device type and deprecated
// the old ones.
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device& device, bool enabled)
      : type_(device.type()), enabled_(enabled && (device.is_cpu() || device.is_cuda())) {
    if (!enabled_) return;
    previous_ = is_enabled(type_);
    previous_dtype_ = dtype(type_);
    set(type_, true, torch::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    set(type_, previous_, previous_dtype_);
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  static bool is_enabled(c10::DeviceType t) { return at::autocast::is_autocast_enabled(t); }
  static c10::ScalarType dtype(c10::DeviceType t) { return at::autocast::get_autocast_dtype(t); }
  static void set(c10::DeviceType t, bool on, c10::ScalarType d) {
    at::autocast::set_autocast_enabled(t, on);
    at::autocast::set_autocast_dtype(t, d);
  }
#else
  static bool is_enabled(c10::DeviceType t) {
    return t == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
  }
  static c10::ScalarType dtype(c10::DeviceType t) {
    return t == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
  }
  static void set(c10::DeviceType t, bool on, c10::ScalarType d) {
    if (t == c10::DeviceType::CPU) {
      at::autocast::set_cpu_enabled(on);
      at::autocast::set_autocast_cpu_dtype(d);
    } else {
      at::autocast::set_enabled(on);
      at::autocast::set_autocast_gpu_dtype(d);
    }
  }
#endif
  c10::DeviceType type_;
  bool enabled_;
  bool previous_ = false;
  c10::ScalarType previous_dtype_ = torch::kBFloat16;
};

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

// torch::optim::Optimizer::state() is keyed by the parameter's TensorImpl: by its address as a string
// in 1.13, by the pointer itself in 2.x. The key for `param`, whichever this build has.
using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;
template <typename Key = OptimizerStateKey>
Key optimizer_state_key(const torch::Tensor& param) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream os;  // how 1.13 spells it (c10::guts::to_string)
    os << param.unsafeGetTensorImpl();
    return os.str();
  } else {
    return static_cast<Key>(param.unsafeGetTensorImpl());
  }
}

// Waits for queued GPU work so host timers measure it (benchmark mode only).
inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// Deterministic kernels only, for runs that must repeat bit for bit on a GPU (on the CPU the kernels
// already are). Before any CUDA work: cuBLAS reads CUBLAS_WORKSPACE_CONFIG when it creates its handle,
// and a fixed workspace is what makes its reductions repeatable (NVIDIA's cuBLAS docs, "Results
// reproducibility"); a value the user set is kept. The same calls in LibTorch 1.13 and 2.x.
inline void use_deterministic_algorithms() {
  ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  at::globalContext().setDeterministicCuDNN(true);
  at::globalContext().setBenchmarkCuDNN(false);
}

// True when CUDA is both compiled into LibTorch and present at run time.
inline bool cuda_available() { return torch::cuda::is_available(); }

}  // namespace sst::compat
