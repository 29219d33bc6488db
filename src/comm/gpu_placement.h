// One rank per GPU on real nodes: which GPU a rank uses, and whether ranks ended up sharing one.
//
// Device: the GPUs this process can see, shared out by node-local rank. CUDA_VISIBLE_DEVICES (set by
// the user, or by Slurm for --gpus-per-task / --gpu-bind) decides what is visible: with one visible
// GPU (Slurm's --gpus-per-task=1: every task sees only its own, numbered 0) every rank uses its
// device 0; with N visible (--gpus-per-node=N, every task seeing all N) local rank i uses device i mod N.
//
// Sharing: visible indices say nothing about physical devices (under --gpus-per-task=1 every rank's
// device is "0", on different GPUs), so each rank names the physical device it uses (its UUID, else
// host + PCI bus id) and the names are compared across ranks. Two ranks on one GPU rule out NCCL.
#pragma once
#include <string>
#include <vector>

namespace sst::comm {

// The device index local rank `local_rank` uses among `visible_gpus` visible devices (> 0).
int gpu_for_local_rank(int local_rank, int visible_gpus);

// The physical identity of visible CUDA device `device` ("GPU-<uuid>", or "<host>/pci:<bus id>" where
// the UUID is unavailable); "" in a build without the CUDA runtime.
std::string gpu_identity(int device, const std::string& host);

// Free bytes on visible CUDA device `device` now (cudaMemGetInfo); -1 in a build without the CUDA
// runtime or when the query fails.
double gpu_free_memory_bytes(int device);

// The CUDA caching allocator's peaks on visible device `device` since the process started, in bytes:
// the most its tensors held (allocated) and the most it held from the driver (reserved, which
// fragmentation adds to). Both -1 in a build whose LibTorch has no CUDA.
struct GpuPeakMemory {
  double allocated = -1, reserved = -1;
};
GpuPeakMemory gpu_peak_memory(int device);

// From every rank's identity (in rank order): "" when no two ranks share a device, else a sentence
// naming the ranks and the device.
std::string describe_shared_gpus(const std::vector<std::string>& identities);

}  // namespace sst::comm
