// The bucketed gradient synchronizer (comm/grad_sync.h), on 1-3 ranks of mpi_allreduce_check
// (mpi_checks.h): gradients averaged in the flat buffer, the global norm from the shards, buckets reduced
// during backward equal to after it, and ZeRO-1: a reduce-scattered shard equals the all-reduced one and
// the all-gather rebuilds the parameters on every rank.
#include <algorithm>
#include <cmath>
#include <vector>

#include "comm/grad_sync.h"
#include "mpi_checks.h"

namespace sst::comm::test {

namespace {

void check_averaging(MpiCheck& c) {
  const double W = c.W();
  // Each rank's loss is scaled by 1/W, so the reduced gradient is the mean.
  auto w = torch::zeros({2, 3}, c.on().requires_grad(true));
  auto bias = torch::zeros({3}, c.on().requires_grad(true));
  GradientSynchronizer sync({w, bias}, c.comm, c.control, {});
  sync.zero_grad();
  auto x = torch::full({1, 2}, static_cast<float>(c.world.rank + 1), c.on());
  sync.arm();
  ((torch::matmul(x, w) + bias).sum() / W).backward();
  sync.finish();
  const float mean_x = static_cast<float>((W + 1) / 2);  // mean over ranks of (rank + 1)
  c.check(torch::allclose(w.grad().cpu(), torch::full({2, 3}, mean_x)), "averaged weight gradient");
  c.check(torch::allclose(bias.grad().cpu(), torch::ones({3})), "averaged bias gradient");
  auto in_flat = [&](const torch::Tensor& g) {
    auto* begin = static_cast<char*>(sync.flat_grads().data_ptr());
    auto* p = static_cast<char*>(g.data_ptr());
    return p >= begin && p + g.nbytes() <= begin + sync.flat_grads().nbytes();
  };
  c.check(in_flat(w.grad()) && in_flat(bias.grad()), "gradients live in the flat buffer");
  std::vector<double> sq = {std::pow(sync.shard_grad_norm().item<double>(), 2)};
  c.control.sum(sq);
  c.check(std::abs(std::sqrt(sq[0]) - std::sqrt(6 * mean_x * mean_x + 3)) < 1e-4,
          "global gradient norm from the shards");
}

// A 4-layer MLP whose gradients, from two accumulated micro-batches (only the last backward launches
// reductions), a synchronizer with `opt` reduces; `inspect(grads, params)` sees the result.
template <class Inspect>
auto mlp(MpiCheck& c, GradSyncOptions opt, const Inspect& inspect) {
  torch::manual_seed(7);
  std::vector<torch::Tensor> params;
  for (int l = 0; l < 4; ++l) {
    params.push_back(torch::randn({16, 16}).to(c.device).requires_grad_());
    params.push_back(torch::randn({16}).to(c.device).requires_grad_());
  }
  opt.bucket_bytes = 1000;  // a weight matrix closes a bucket: 4 buckets
  GradientSynchronizer grads(params, c.comm, c.control, opt);
  grads.zero_grad();
  for (int micro = 0; micro < 2; ++micro) {
    auto h = torch::full({3, 16}, 0.1f * static_cast<float>(c.world.rank + 1 + micro), c.on());
    for (int l = 0; l < 4; ++l) h = torch::tanh(torch::matmul(h, params[2 * l]) + params[2 * l + 1]);
    if (micro == 1) grads.arm();
    h.sum().backward();
  }
  grads.finish();
  return inspect(grads, params);
}

// Buckets reduced during backward (overlap) and after it give the same sums, the same on every rank.
torch::Tensor check_overlap(MpiCheck& c) {
  auto mlp_grads = [&](bool overlap) {
    GradSyncOptions opt;
    opt.overlap = overlap;
    return mlp(c, opt, [&](GradientSynchronizer& grads, const std::vector<torch::Tensor>&) {
      c.check(grads.num_buckets() == 4, "one bucket per (bias, weight) pair");
      const bool can_overlap = c.comm.asynchronous() || (c.comm.usable_off_main_thread() && !c.cuda);
      c.check(grads.overlapping() == (overlap && can_overlap), "overlap enabled as asked");
      return grads.flat_grads().cpu();
    });
  };
  auto overlapped = mlp_grads(true);
  auto sequential = mlp_grads(false);
  c.check(torch::allclose(overlapped, sequential, 1e-6, 1e-7), "overlapped bucket all-reduce == sequential");
  auto max_abs = overlapped.abs().max().to(c.device);
  c.comm.broadcast(max_abs, 0);
  c.comm.join();
  c.check(torch::equal(max_abs.cpu(), overlapped.abs().max()), "reduced gradients identical on every rank");
  return sequential;
}

// ZeRO-1, with and without overlap, against the all-reduced gradients `sequential`.
void check_shards(MpiCheck& c, const torch::Tensor& sequential, bool overlap) {
  GradSyncOptions opt;
  opt.overlap = overlap;
  opt.shard = true;
  mlp(c, opt, [&](GradientSynchronizer& grads, const std::vector<torch::Tensor>& params) {
    const auto shard = grads.update_span();
    c.check(shard.size() * c.world.size == grads.layout().padded_size(), "equal shards");
    auto mine = grads.flat_grads().narrow(0, shard.begin, shard.size()).cpu();
    auto expected = sequential.narrow(0, shard.begin, std::min(shard.size(), sequential.numel() - shard.begin));
    c.check(torch::allclose(mine.narrow(0, 0, expected.numel()), expected, 1e-6, 1e-7),
            "reduce-scattered shard == all-reduced");
    // Each rank writes its rank number into its shard of the parameters; the gather spreads them.
    grads.flat_params().narrow(0, shard.begin, shard.size()).fill_(static_cast<float>(c.world.rank));
    grads.gather_parameters();
    auto owner = torch::arange(grads.layout().padded_size(), c.on().dtype(torch::kLong)).div(shard.size(), "floor");
    c.check(torch::equal(grads.flat_params().cpu(), owner.to(torch::kFloat).cpu()), "all-gathered shards");
    c.check(params[0].data_ptr() == grads.flat_params().narrow(0, grads.layout().slot(0).begin, 1).data_ptr(),
            "parameters are views into the flat parameter buffer");
    return 0;
  });
}

}  // namespace

void check_grad_sync(MpiCheck& c) {
  check_averaging(c);
  const auto sequential = check_overlap(c);
  check_shards(c, sequential, true);
  check_shards(c, sequential, false);
}

}  // namespace sst::comm::test
