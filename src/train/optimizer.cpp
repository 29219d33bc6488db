#include "train/optimizer.h"

#include "common/torch_compat.h"

namespace sst {
namespace {

class TorchAdamW final : public Optimizer {
 public:
  TorchAdamW(const ParamGroups& groups, const AdamWSettings& settings)
      : adamw_(torch_adamw(groups, settings)), numel_(0), elem_bytes_(0) {
    for (const auto* g : {&groups.decay, &groups.no_decay})
      for (const auto& p : *g) {
        numel_ += p.numel();
        elem_bytes_ = static_cast<int64_t>(p.element_size());
      }
  }
  std::string name() const override { return "adamw"; }
  void step(double lr) override {
    for (auto& group : adamw_.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    adamw_.step();
  }
  void save(torch::serialize::OutputArchive& archive) const override { adamw_.save(archive); }
  void load(torch::serialize::InputArchive& archive) override {
    adamw_.load(archive);
    // The moments come as the archive holds them (host memory); each goes where its parameter is.
    for (const auto& group : adamw_.param_groups())
      for (const auto& p : group.params()) {
        auto it = adamw_.state().find(compat::optimizer_state_key(p));
        if (it == adamw_.state().end()) continue;
        auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
        s.exp_avg(s.exp_avg().to(p.device()));
        s.exp_avg_sq(s.exp_avg_sq().to(p.device()));
        if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().to(p.device()));
      }
  }
  int64_t state_bytes() const override { return 2 * numel_ * elem_bytes_; }  // exp_avg + exp_avg_sq

 private:
  torch::optim::AdamW adamw_;
  int64_t numel_, elem_bytes_;
};

}  // namespace

torch::optim::AdamW torch_adamw(const ParamGroups& groups, const AdamWSettings& s) {
  auto options = [&](double weight_decay) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(s.lr).betas({s.beta1, s.beta2}).eps(s.eps).weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> pg;
  pg.emplace_back(groups.decay, options(s.weight_decay));
  pg.emplace_back(groups.no_decay, options(0.0));
  return torch::optim::AdamW(pg, torch::optim::AdamWOptions(s.lr));
}

std::unique_ptr<Optimizer> make_torch_adamw(const ParamGroups& groups, const AdamWSettings& settings) {
  return std::make_unique<TorchAdamW>(groups, settings);
}

}  // namespace sst
