// Run under mpirun: checks the communicator the trainer would pick and the gradient synchronizer on
// real ranks. `mpi_allreduce_check` runs on CPU tensors (MPI backend); `mpi_allreduce_check cuda` on
// each rank's GPU (NCCL with one GPU per rank; MPI staging through the host when ranks share a GPU).
// Prints "OK world=N backend=B" and exits 0 when every check holds on every rank.
#include <cstdio>
#include <string>

#include "dist/communicator.h"
#include "dist/control.h"
#include "dist/gpu_placement.h"
#include "dist/grad_sync.h"
#include "dist/world.h"

int main(int argc, char** argv) {
  auto world = sst::dist::init_world(&argc, &argv);
  const bool cuda = argc > 1 && std::string(argv[1]) == "cuda";
  if (cuda && !torch::cuda::is_available()) {
    if (world.rank == 0) std::fprintf(stderr, "no CUDA device\n");
    sst::dist::finalize_world();
    return 2;
  }
  const torch::Device device =
      cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(sst::dist::gpu_for_local_rank(
                                             world.local_rank, static_cast<int>(torch::cuda::device_count()))))
           : torch::Device(torch::kCPU);
  const auto on = torch::TensorOptions().device(device);
  sst::dist::ControlPlane control(world);
  auto choice = sst::dist::make_communicator(control, device);
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
  sst::dist::GradientSynchronizer sync({w, bias}, *comm, {});
  sync.zero_grad();
  auto x = torch::full({1, 2}, static_cast<float>(world.rank + 1), on);
  sync.arm();
  ((torch::matmul(x, w) + bias).sum() / W).backward();
  sync.finish();
  const float mean_x = static_cast<float>((W + 1) / 2);  // mean over ranks of (rank + 1)
  check(torch::allclose(w.grad().cpu(), torch::full({2, 3}, mean_x)), "averaged weight gradient");
  check(torch::allclose(bias.grad().cpu(), torch::ones({3})), "averaged bias gradient");
  auto in_flat = [&](const torch::Tensor& g) {
    auto* begin = static_cast<char*>(sync.flat().data_ptr());
    auto* p = static_cast<char*>(g.data_ptr());
    return p >= begin && p + g.nbytes() <= begin + sync.flat().nbytes();
  };
  check(in_flat(w.grad()) && in_flat(bias.grad()), "gradients live in the flat buffer");
  check(std::abs(sync.grad_norm().item<double>() - std::sqrt(6 * mean_x * mean_x + 3)) < 1e-4, "global gradient norm");

  // Buckets reduced during backward (overlap) and after it give the same sums, also with two
  // accumulated micro-batches (only the last backward launches reductions).
  auto mlp_grads = [&](bool overlap) {
    torch::manual_seed(7);
    std::vector<torch::Tensor> params;
    for (int l = 0; l < 4; ++l) {
      params.push_back(torch::randn({16, 16}).to(device).requires_grad_());
      params.push_back(torch::randn({16}).to(device).requires_grad_());
    }
    sst::dist::GradSyncOptions opt;
    opt.bucket_bytes = 1000;  // a weight matrix closes a bucket: 4 buckets
    opt.overlap = overlap;
    sst::dist::GradientSynchronizer grads(params, *comm, opt);
    grads.zero_grad();
    for (int micro = 0; micro < 2; ++micro) {
      auto h = torch::full({3, 16}, 0.1f * static_cast<float>(world.rank + 1 + micro), on);
      for (int l = 0; l < 4; ++l) h = torch::tanh(torch::matmul(h, params[2 * l]) + params[2 * l + 1]);
      if (micro == 1) grads.arm();
      h.sum().backward();
    }
    grads.finish();
    check(grads.num_buckets() == 4, "one bucket per (bias, weight) pair");
    const bool can_overlap = comm->asynchronous() || (comm->usable_off_main_thread() && !cuda);
    check(grads.overlapping() == (overlap && can_overlap), "overlap enabled as asked");
    return grads.flat().cpu();
  };
  auto overlapped = mlp_grads(true);
  auto sequential = mlp_grads(false);
  check(torch::allclose(overlapped, sequential, 1e-6, 1e-7), "overlapped bucket all-reduce == sequential");
  auto max_abs = overlapped.abs().max().to(device);
  comm->broadcast(max_abs, 0);
  comm->join();
  check(torch::equal(max_abs.cpu(), overlapped.abs().max()), "reduced gradients identical on every rank");

  std::vector<double> sums = {1.0, static_cast<double>(world.rank)};
  control.sum(sums);
  check(sums[0] == W && sums[1] == W * (W - 1) / 2, "control plane sum");
  check(control.broadcast(world.rank == 0 ? "from rank 0" : "") == "from rank 0", "control plane broadcast");
  auto names = control.all_gather(std::string(static_cast<size_t>(world.rank), 'x'));  // "", "x", "xx", ...
  bool gathered = names.size() == static_cast<size_t>(world.size);
  for (int k = 0; gathered && k < world.size; ++k) gathered = names[k] == std::string(static_cast<size_t>(k), 'x');
  check(gathered, "control plane all_gather of strings");

  std::vector<double> failed = {static_cast<double>(failures)};
  control.sum(failed);
  const int total_failures = static_cast<int>(failed[0]);
  if (world.rank == 0 && total_failures == 0) std::printf("OK world=%d backend=%s\n", world.size, comm->name().c_str());
  sst::dist::finalize_world();
  return total_failures == 0 ? 0 : 1;
}
