// Run under mpirun: the checks of src/comm/'s modules on real ranks (mpi_checks.h: one test file per
// module). `mpi_allreduce_check` runs on CPU tensors (MPI backend); `mpi_allreduce_check cuda` on each
// rank's GPU (NCCL with one GPU per rank; MPI staging through the host when ranks share a GPU).
// Prints "OK world=N backend=B" and exits 0 when every check holds on every rank; otherwise each failed
// check is one line "rank R: FAILED module: what" on stderr.
#include <cstdio>
#include <string>

#include "comm/gpu_placement.h"
#include "mpi_checks.h"

namespace sst::comm::test {

void MpiCheck::check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "rank %d: FAILED %s: %s\n", world.rank, module.c_str(), what.c_str());
  ++failures;
}

}  // namespace sst::comm::test

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
  sst::comm::ControlPlane control(world);
  auto choice = sst::comm::make_communicator(control, device);
  if (world.rank == 0 && !choice.note.empty()) std::printf("%s\n", choice.note.c_str());
  sst::comm::test::MpiCheck c{world, control, *choice.comm, device, cuda};
  using Check = void (*)(sst::comm::test::MpiCheck&);
  const std::pair<const char*, Check> modules[] = {
      {"world", sst::comm::test::check_world},
      {"control", sst::comm::test::check_control},
      {"collectives", sst::comm::test::check_collectives},
      {"nccl_communicator", sst::comm::test::check_nccl_communicator},
      {"grad_sync", sst::comm::test::check_grad_sync},
      {"sparse_rows", sst::comm::test::check_sparse_rows},
  };
  for (const auto& [name, run] : modules) {
    c.module = name;
    run(c);
  }

  std::vector<double> failed = {static_cast<double>(c.failures)};
  control.sum(failed);
  const int total_failures = static_cast<int>(failed[0]);
  if (world.rank == 0 && total_failures == 0)
    std::printf("OK world=%d backend=%s\n", world.size, choice.comm->name().c_str());
  sst::comm::finalize_world();
  return total_failures == 0 ? 0 : 1;
}
