// One rank per GPU: the device a rank picks among the visible ones, and "ranks share a GPU" decided by
// physical identity, not by the visible index (under Slurm's --gpus-per-task=1 every rank's only
// device is number 0, on different GPUs).
#include <gtest/gtest.h>

#include "comm/gpu_placement.h"

using sst::comm::describe_shared_gpus;
using sst::comm::gpu_for_local_rank;

TEST(GpuPlacement, EveryRankSeeingOneGpuUsesItsDeviceZero) {
  // --gpus-per-task=1: Slurm sets CUDA_VISIBLE_DEVICES per task to its own GPU.
  for (int local_rank = 0; local_rank < 4; ++local_rank) EXPECT_EQ(gpu_for_local_rank(local_rank, 1), 0);
}

TEST(GpuPlacement, RanksSeeingAllGpusOfTheNodeTakeOneEach) {
  // --gpus-per-node=4 --ntasks-per-node=4: every task sees the 4 GPUs.
  for (int local_rank = 0; local_rank < 4; ++local_rank) EXPECT_EQ(gpu_for_local_rank(local_rank, 4), local_rank);
  // More ranks than GPUs wrap around (and then share: see below).
  EXPECT_EQ(gpu_for_local_rank(5, 4), 1);
  EXPECT_THROW(gpu_for_local_rank(0, 0), std::invalid_argument);
}

TEST(GpuPlacement, SharingIsDecidedByPhysicalIdentity) {
  // Four ranks, each on its device 0 but on four different GPUs: nothing is shared.
  EXPECT_EQ(describe_shared_gpus({"GPU-aa", "GPU-bb", "GPU-cc", "GPU-dd"}), "");
  // Two nodes whose GPUs are identified by host + PCI bus id: the same bus on two hosts is two GPUs.
  EXPECT_EQ(describe_shared_gpus({"n1/pci:0000:17:00.0", "n2/pci:0000:17:00.0"}), "");
  // Ranks 1 and 3 ended up on one GPU.
  EXPECT_EQ(describe_shared_gpus({"GPU-aa", "GPU-bb", "GPU-cc", "GPU-bb"}), "ranks 1, 3 share GPU GPU-bb");
  // Ranks on the CPU ("") share nothing.
  EXPECT_EQ(describe_shared_gpus({"", ""}), "");
}
