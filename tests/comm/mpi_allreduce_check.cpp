// Run under mpirun: checks the communicator the trainer would pick and the gradient synchronizer on
// real ranks. `mpi_allreduce_check` runs on CPU tensors (MPI backend); `mpi_allreduce_check cuda` on
// each rank's GPU (NCCL with one GPU per rank; MPI staging through the host when ranks share a GPU).
// Prints "OK world=N backend=B" and exits 0 when every check holds on every rank.
#include <cstdio>
#include <string>

#include "comm/communicator.h"
#include "comm/control.h"
#include "comm/gpu_placement.h"
#include "comm/grad_sync.h"
#include "comm/world.h"

int main(int argc, char** argv) {
  auto world = sst::comm::init_world(&argc, &argv);
  const bool cuda = argc > 1 && std::string(argv[1]) == "cuda";
  if (cuda && !torch::cuda::is_available()) {
    if (world.rank == 0) std::fprintf(stderr, "no CUDA device\n");
    sst::comm::finalize_world();
    return 2;
  }
  const torch::Device device =
      cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(sst::comm::gpu_for_local_rank(
                                             world.local_rank, static_cast<int>(torch::cuda::device_count()))))
           : torch::Device(torch::kCPU);
  const auto on = torch::TensorOptions().device(device);
  sst::comm::ControlPlane control(world);
  auto choice = sst::comm::make_communicator(control, device);
  auto& comm = choice.comm;
  if (world.rank == 0 && !choice.note.empty()) std::printf("%s\n", choice.note.c_str());
  int failures = 0;
  auto check = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "rank %d: FAILED %s\n", world.rank, what);
      ++failures;
    }
  };
  const double W = world.size;

  // Sum of rank-dependent values: sum_r (r + 1) * [1, 2, 3].
  auto t = torch::tensor({1.0f, 2.0f, 3.0f}, on) * static_cast<float>(world.rank + 1);
  comm->allreduce_sum(t);
  auto d = torch::full({1000}, static_cast<double>(world.rank), on.dtype(torch::kDouble));
  comm->allreduce_sum(d);
  auto b = torch::full({4}, static_cast<float>(world.rank + 10), on);
  comm->broadcast(b, 0);
  comm->join();
  const float s = static_cast<float>(W * (W + 1) / 2);
  check(torch::allclose(t.cpu(), torch::tensor({s, 2 * s, 3 * s})), "allreduce_sum float32");
  check(torch::allclose(d.cpu(), torch::full({1000}, W * (W - 1) / 2, torch::kDouble)), "allreduce_sum float64");
  check(torch::equal(b.cpu(), torch::full({4}, 10.0f)), "broadcast from rank 0");

  // Gradient averaging: each rank's loss is scaled by 1/W, so the reduced gradient is the mean.
  auto w = torch::zeros({2, 3}, on.requires_grad(true));
  auto bias = torch::zeros({3}, on.requires_grad(true));
  sst::comm::GradientSynchronizer sync({w, bias}, *comm, control, {});
  sync.zero_grad();
  auto x = torch::full({1, 2}, static_cast<float>(world.rank + 1), on);
  sync.arm();
  ((torch::matmul(x, w) + bias).sum() / W).backward();
  sync.finish();
  const float mean_x = static_cast<float>((W + 1) / 2);  // mean over ranks of (rank + 1)
  check(torch::allclose(w.grad().cpu(), torch::full({2, 3}, mean_x)), "averaged weight gradient");
  check(torch::allclose(bias.grad().cpu(), torch::ones({3})), "averaged bias gradient");
  auto in_flat = [&](const torch::Tensor& g) {
    auto* begin = static_cast<char*>(sync.flat_grads().data_ptr());
    auto* p = static_cast<char*>(g.data_ptr());
    return p >= begin && p + g.nbytes() <= begin + sync.flat_grads().nbytes();
  };
  check(in_flat(w.grad()) && in_flat(bias.grad()), "gradients live in the flat buffer");
  std::vector<double> sq = {std::pow(sync.shard_grad_norm().item<double>(), 2)};
  control.sum(sq);
  check(std::abs(std::sqrt(sq[0]) - std::sqrt(6 * mean_x * mean_x + 3)) < 1e-4, "global gradient norm from the shards");

  // A 4-layer MLP whose gradients, from two accumulated micro-batches (only the last backward launches
  // reductions), a synchronizer with `opt` reduces; `inspect(grads, params)` sees the result.
  auto mlp = [&](sst::comm::GradSyncOptions opt, const auto& inspect) {
    torch::manual_seed(7);
    std::vector<torch::Tensor> params;
    for (int l = 0; l < 4; ++l) {
      params.push_back(torch::randn({16, 16}).to(device).requires_grad_());
      params.push_back(torch::randn({16}).to(device).requires_grad_());
    }
    opt.bucket_bytes = 1000;  // a weight matrix closes a bucket: 4 buckets
    sst::comm::GradientSynchronizer grads(params, *comm, control, opt);
    grads.zero_grad();
    for (int micro = 0; micro < 2; ++micro) {
      auto h = torch::full({3, 16}, 0.1f * static_cast<float>(world.rank + 1 + micro), on);
      for (int l = 0; l < 4; ++l) h = torch::tanh(torch::matmul(h, params[2 * l]) + params[2 * l + 1]);
      if (micro == 1) grads.arm();
      h.sum().backward();
    }
    grads.finish();
    return inspect(grads, params);
  };
  // Buckets reduced during backward (overlap) and after it give the same sums.
  auto mlp_grads = [&](bool overlap) {
    sst::comm::GradSyncOptions opt;
    opt.overlap = overlap;
    return mlp(opt, [&](sst::comm::GradientSynchronizer& grads, const std::vector<torch::Tensor>&) {
      check(grads.num_buckets() == 4, "one bucket per (bias, weight) pair");
      const bool can_overlap = comm->asynchronous() || (comm->usable_off_main_thread() && !cuda);
      check(grads.overlapping() == (overlap && can_overlap), "overlap enabled as asked");
      return grads.flat_grads().cpu();
    });
  };
  auto overlapped = mlp_grads(true);
  auto sequential = mlp_grads(false);
  check(torch::allclose(overlapped, sequential, 1e-6, 1e-7), "overlapped bucket all-reduce == sequential");
  auto max_abs = overlapped.abs().max().to(device);
  comm->broadcast(max_abs, 0);
  comm->join();
  check(torch::equal(max_abs.cpu(), overlapped.abs().max()), "reduced gradients identical on every rank");

  // Reduce-scatter and all-gather with parts of unequal size (rank r owns r + 1 elements, rank 1 none).
  std::vector<int64_t> counts;
  for (int r = 0; r < world.size; ++r) counts.push_back(r == 1 ? 0 : r + 1);
  int64_t total = 0, own_begin = 0;
  for (int r = 0; r < world.size; ++r) {
    if (r < world.rank) own_begin += counts[r];
    total += counts[r];
  }
  auto parts = torch::arange(total, on.dtype(torch::kFloat)) * static_cast<float>(world.rank + 1);
  comm->reduce_scatter_sum(parts, counts);
  comm->join();
  auto own = parts.narrow(0, own_begin, counts[world.rank]).cpu();
  check(torch::allclose(own, torch::arange(own_begin, own_begin + counts[world.rank]).to(torch::kFloat) * s),
        "reduce_scatter_sum: this rank's part summed");
  auto ids = torch::full({total}, static_cast<int64_t>(-1), on.dtype(torch::kLong));
  ids.narrow(0, own_begin, counts[world.rank]).fill_(world.rank);
  comm->all_gather(ids, counts);
  comm->join();
  std::vector<int64_t> owners;
  for (int r = 0; r < world.size; ++r) owners.insert(owners.end(), static_cast<size_t>(counts[r]), r);
  check(torch::equal(ids.cpu(), torch::tensor(owners, torch::kLong)), "all_gather: every part from its owner");

  // ZeRO-1: reduce-scattered buckets leave each rank's shard equal to the all-reduced one (with and
  // without overlap), and all-gathering the shards rebuilds the parameters on every rank.
  auto sharded_grads = [&](bool overlap) {
    sst::comm::GradSyncOptions opt;
    opt.overlap = overlap;
    opt.shard = true;
    mlp(opt, [&](sst::comm::GradientSynchronizer& grads, const std::vector<torch::Tensor>& params) {
      const auto shard = grads.update_span();
      check(shard.size() * world.size == grads.layout().padded_size(), "equal shards");
      auto mine = grads.flat_grads().narrow(0, shard.begin, shard.size()).cpu();
      auto expected = sequential.narrow(0, shard.begin, std::min(shard.size(), sequential.numel() - shard.begin));
      check(torch::allclose(mine.narrow(0, 0, expected.numel()), expected, 1e-6, 1e-7),
            "reduce-scattered shard == all-reduced");
      // Each rank writes its rank number into its shard of the parameters; the gather spreads them.
      grads.flat_params().narrow(0, shard.begin, shard.size()).fill_(static_cast<float>(world.rank));
      grads.gather_parameters();
      auto owner = torch::arange(grads.layout().padded_size(), on.dtype(torch::kLong)).div(shard.size(), "floor");
      check(torch::equal(grads.flat_params().cpu(), owner.to(torch::kFloat).cpu()), "all-gathered shards");
      check(params[0].data_ptr() == grads.flat_params().narrow(0, grads.layout().slot(0).begin, 1).data_ptr(),
            "parameters are views into the flat parameter buffer");
      return 0;
    });
  };
  sharded_grads(true);
  sharded_grads(false);

  // Sparse embedding gradients: each rank looks up its own rows of a [50, 8] table (some shared with
  // other ranks); the rows exchange equals the dense all-reduce within 1e-6.
  auto embedding_grads = [&](sst::comm::SparseMode mode) {
    torch::manual_seed(3);
    std::vector<torch::Tensor> params = {torch::randn({50, 8}).to(device).requires_grad_(),
                                         torch::randn({8, 2}).to(device).requires_grad_()};
    sst::comm::GradSyncOptions opt;
    opt.bucket_bytes = 64;
    opt.sparse_param = 0;
    opt.sparse = mode;
    sst::comm::GradientSynchronizer grads(params, *comm, control, opt);
    grads.zero_grad();
    auto rows = torch::tensor({world.rank, world.rank + 7, 20, 21 + 2 * world.rank}, torch::kLong);
    grads.set_touched_rows(rows, rows.to(device));
    grads.arm();
    (torch::matmul(params[0].index_select(0, rows.to(device)), params[1]).tanh().sum() / W).backward();
    grads.finish();
    check(grads.sparse_steps() == (mode == sst::comm::SparseMode::kAlways ? 1 : 0), "sparse path taken as asked");
    return grads.flat_grads().cpu();
  };
  auto dense = embedding_grads(sst::comm::SparseMode::kNever);
  auto sparse = embedding_grads(sst::comm::SparseMode::kAlways);
  check(torch::allclose(dense, sparse, 1e-6, 1e-6), "sparse embedding rows == dense all-reduce");

  std::vector<double> sums = {1.0, static_cast<double>(world.rank)};
  control.sum(sums);
  check(sums[0] == W && sums[1] == W * (W - 1) / 2, "control plane sum");
  struct {
    double one = 1.0, rank = 0, untouched = -7.0;
  } named;
  named.rank = world.rank;
  control.sum({&named.rank, &named.one});  // any order: each field gets its own sum
  check(named.one == W && named.rank == W * (W - 1) / 2 && named.untouched == -7.0,
        "control plane sum of named fields");
  check(control.broadcast(world.rank == 0 ? "from rank 0" : "") == "from rank 0", "control plane broadcast");
  auto names = control.all_gather(std::string(static_cast<size_t>(world.rank), 'x'));  // "", "x", "xx", ...
  bool gathered = names.size() == static_cast<size_t>(world.size);
  for (int k = 0; gathered && k < world.size; ++k) gathered = names[k] == std::string(static_cast<size_t>(k), 'x');
  check(gathered, "control plane all_gather of strings");

  std::vector<double> failed = {static_cast<double>(failures)};
  control.sum(failed);
  const int total_failures = static_cast<int>(failed[0]);
  if (world.rank == 0 && total_failures == 0) std::printf("OK world=%d backend=%s\n", world.size, comm->name().c_str());
  sst::comm::finalize_world();
  return total_failures == 0 ? 0 : 1;
}
