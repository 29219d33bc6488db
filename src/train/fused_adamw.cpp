#include "train/fused_adamw.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/torch_compat.h"

namespace sst {
namespace {

constexpr int64_t kCpuBlock = 128 * 1024;

size_t index_of(const std::vector<torch::Tensor>& tensors, const torch::Tensor& t) {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].unsafeGetTensorImpl() == t.unsafeGetTensorImpl()) return i;
  throw std::invalid_argument("FusedAdamW: a parameter group holds a tensor that is not a model parameter");
}

comm::Span relative(const comm::Span& s, const comm::Span& to) { return {s.begin - to.begin, s.end - to.begin}; }

}  // namespace

FusedAdamW::FusedAdamW(FlatParameters flat, ParamGroups groups, const AdamWSettings& settings)
    : flat_(std::move(flat)), groups_(std::move(groups)), settings_(settings) {
  for (const auto& p : groups_.decay) {
    const auto own = flat_.slots[index_of(flat_.tensors, p)].intersect(flat_.update);
    if (own.size() > 0) decay_.push_back(relative(own, flat_.update));
  }
  std::sort(decay_.begin(), decay_.end(), [](const comm::Span& a, const comm::Span& b) { return a.begin < b.begin; });
  const auto options = flat_.params.options();
  m_ = torch::zeros({flat_.update.size()}, options);
  v_ = torch::zeros({flat_.update.size()}, options);
  denom_ = torch::empty({flat_.update.size()}, options);
}

void FusedAdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  full_m_ = full_v_ = torch::Tensor();
  ++step_;
  const auto& s = settings_;
  const double bias_correction1 = 1 - std::pow(s.beta1, static_cast<double>(step_));
  const double bias_correction2 = 1 - std::pow(s.beta2, static_cast<double>(step_));
  const int64_t n = flat_.update.size();
  auto p = flat_.params.narrow(0, flat_.update.begin, n);
  auto g = flat_.grads.narrow(0, flat_.update.begin, n);
  if (s.weight_decay != 0)
    for (const auto& d : decay_) p.narrow(0, d.begin, d.size()).mul_(1 - lr * s.weight_decay);
  const int64_t block = p.is_cuda() ? std::max<int64_t>(n, 1) : kCpuBlock;
  for (int64_t b = 0; b < n; b += block) {
    const int64_t len = std::min(block, n - b);
    auto pb = p.narrow(0, b, len), gb = g.narrow(0, b, len);
    auto mb = m_.narrow(0, b, len), vb = v_.narrow(0, b, len), db = denom_.narrow(0, b, len);
    mb.mul_(s.beta1).add_(gb, 1 - s.beta1);
    vb.mul_(s.beta2).addcmul_(gb, gb, 1 - s.beta2);
    torch::sqrt_out(db, vb).div_(std::sqrt(bias_correction2)).add_(s.eps);
    pb.addcdiv_(mb, db, -lr / bias_correction1);
  }
}

void FusedAdamW::gather_state() {
  if (!flat_.gather_shards) return;
  const int64_t full = flat_.params.numel();
  auto gather = [&](const torch::Tensor& own) {
    auto t = torch::zeros({full}, own.options());
    t.narrow(0, flat_.update.begin, flat_.update.size()).copy_(own);
    flat_.gather_shards(t);
    return t;
  };
  full_m_ = gather(m_);
  full_v_ = gather(v_);
}

void FusedAdamW::save(torch::serialize::OutputArchive& archive) const {
  // Unsharded, the update range is the whole buffer: the moments index by slot directly.
  const bool sharded = static_cast<bool>(flat_.gather_shards);
  TORCH_CHECK(!sharded || full_m_.defined(), "FusedAdamW::save: gather_state() was not called on every rank first");
  const auto& m = sharded ? full_m_ : m_;
  const auto& v = sharded ? full_v_ : v_;
  auto adamw = torch_adamw(groups_, settings_);
  if (step_ > 0) {  // torch::optim::AdamW has no state before its first step
    for (size_t i = 0; i < flat_.tensors.size(); ++i) {
      const auto& slot = flat_.slots[i];
      auto state = std::make_unique<torch::optim::AdamWParamState>();
      state->step(step_);
      state->exp_avg(m.narrow(0, slot.begin, slot.size()).view(flat_.tensors[i].sizes()).clone());
      state->exp_avg_sq(v.narrow(0, slot.begin, slot.size()).view(flat_.tensors[i].sizes()).clone());
      adamw.state()[compat::optimizer_state_key(flat_.tensors[i])] = std::move(state);
    }
  }
  adamw.save(archive);
}

void FusedAdamW::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  auto adamw = torch_adamw(groups_, settings_);
  adamw.load(archive);
  m_.zero_();
  v_.zero_();
  step_ = 0;
  for (size_t i = 0; i < flat_.tensors.size(); ++i) {
    auto it = adamw.state().find(compat::optimizer_state_key(flat_.tensors[i]));
    if (it == adamw.state().end()) continue;
    const auto& state = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    step_ = state.step();
    const auto& slot = flat_.slots[i];
    const auto own = slot.intersect(flat_.update);
    if (own.size() == 0) continue;
    const auto dst = relative(own, flat_.update), src = relative(own, slot);
    m_.narrow(0, dst.begin, dst.size()).copy_(state.exp_avg().reshape({-1}).narrow(0, src.begin, src.size()));
    v_.narrow(0, dst.begin, dst.size()).copy_(state.exp_avg_sq().reshape({-1}).narrow(0, src.begin, src.size()));
  }
}

int64_t FusedAdamW::state_bytes() const { return static_cast<int64_t>(m_.nbytes() + v_.nbytes()); }

}  // namespace sst
