#include "comm/gpu_placement.h"

#include <cstdio>
#include <map>
#include <stdexcept>

#ifdef SST_HAVE_NCCL  // the CUDA runtime comes with the NCCL backend
#include <cuda_runtime.h>
#endif
#ifdef SST_TORCH_CUDA  // a CUDA LibTorch: its caching allocator's statistics
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace sst::comm {

int gpu_for_local_rank(int local_rank, int visible_gpus) {
  if (visible_gpus <= 0) throw std::invalid_argument("gpu_for_local_rank: no visible GPU");
  return local_rank % visible_gpus;
}

std::string gpu_identity(int device, const std::string& host) {
#ifdef SST_HAVE_NCCL
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) == cudaSuccess) {
    bool any = false;
    for (char c : prop.uuid.bytes) any = any || c != 0;
    if (any) {
      std::string id = "GPU-";
      char hex[3];
      for (unsigned char c : prop.uuid.bytes) {
        std::snprintf(hex, sizeof(hex), "%02x", c);
        id += hex;
      }
      return id;
    }
  }
  char bus[32] = {0};
  if (cudaDeviceGetPCIBusId(bus, sizeof(bus), device) == cudaSuccess) return host + "/pci:" + bus;
  return host + "/cuda:" + std::to_string(device);
#else
  (void)device;
  (void)host;
  return "";
#endif
}

double gpu_free_memory_bytes(int device) {
#ifdef SST_HAVE_NCCL
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess || cudaSetDevice(device) != cudaSuccess) return -1;
  size_t free = 0, total = 0;
  const cudaError_t r = cudaMemGetInfo(&free, &total);
  cudaSetDevice(previous);
  return r == cudaSuccess ? static_cast<double>(free) : -1;
#else
  (void)device;
  return -1;
#endif
}

GpuPeakMemory gpu_peak_memory(int device) {
  GpuPeakMemory m;
#ifdef SST_TORCH_CUDA
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  constexpr size_t kAllPools = 0;  // StatType::AGGREGATE: the small and the large pool together
  m.allocated = static_cast<double>(stats.allocated_bytes[kAllPools].peak);
  m.reserved = static_cast<double>(stats.reserved_bytes[kAllPools].peak);
#else
  (void)device;
#endif
  return m;
}

std::string describe_shared_gpus(const std::vector<std::string>& identities) {
  std::map<std::string, std::vector<int>> ranks_of;
  for (size_t r = 0; r < identities.size(); ++r)
    if (!identities[r].empty()) ranks_of[identities[r]].push_back(static_cast<int>(r));
  for (const auto& [id, ranks] : ranks_of) {
    if (ranks.size() < 2) continue;
    std::string list;
    for (size_t i = 0; i < ranks.size(); ++i) list += (i ? ", " : "") + std::to_string(ranks[i]);
    return "ranks " + list + " share GPU " + id;
  }
  return "";
}

}  // namespace sst::comm
