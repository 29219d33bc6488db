// The checks of the MPI program mpi_allreduce_check (tests/comm/CMakeLists.txt), one test file per module of
// src/comm/: test_world.cpp, test_control.cpp, test_mpi_communicator.cpp, test_nccl_communicator.cpp,
// test_grad_sync.cpp, test_sparse_rows.cpp. Each runs on every rank, on the communicator the trainer would pick; the
// program runs them all in one start (test_communicator.cpp starts it on 1, 2 and 3 ranks; tests/gpu on GPUs).
#pragma once
#include <torch/torch.h>

#include <string>

#include "comm/communicator.h"
#include "comm/control.h"
#include "comm/world.h"

namespace sst::comm::test {

struct MpiCheck {
  const World& world;
  const ControlPlane& control;
  Communicator& comm;
  torch::Device device;
  bool cuda = false;
  std::string module;  // the module whose checks run now
  int failures = 0;

  // Records a failed check as "rank R: FAILED module: what" on stderr.
  void check(bool ok, const std::string& what);
  torch::TensorOptions on() const { return torch::TensorOptions().device(device); }
  double W() const { return world.size; }  // the world size, as the sums need it
};

void check_world(MpiCheck& c);
void check_control(MpiCheck& c);
// The collectives of the chosen backend: MPI on CPU tensors (NCCL under `cuda` with a GPU per rank).
void check_collectives(MpiCheck& c);
// The NCCL backend's refusals (any machine) and, on one GPU per rank, that it is the one chosen.
void check_nccl_communicator(MpiCheck& c);
void check_grad_sync(MpiCheck& c);
void check_sparse_rows(MpiCheck& c);

}  // namespace sst::comm::test
