// NCCL backend: collectives on CUDA tensors, one GPU per rank, on a communication stream of its own.
// A collective is queued after the work already on the caller's current stream (an event recorded
// there, which the communication stream waits for) and the call returns at once; join() makes the
// caller's stream wait for the communication stream. So gradient buckets issued from the backward
// hooks run while backward goes on, and the host never waits for them. Rank 0's NCCL unique id reaches
// the others through the control plane (its guarded broadcast, a failure agreed by every rank).
//
// A watchdog thread follows every queued collective: one that has not completed within
// SST_NCCL_TIMEOUT_S (default 300 s, 0: no deadline; comm/collective_watchdog.h) or that NCCL reports as
// failed aborts the communicator (ncclCommAbort) and ends this process with one error line, so the
// launcher tears the job down instead of leaving it hanging. A rank that fails on its own calls abort()
// (train/main.cpp's path) before anything unwinds; ncclCommDestroy, which waits for the queued work,
// only runs on a normal shutdown. Compiled only when CUDA and NCCL are found (SST_HAVE_NCCL).
#include "comm/communicator.h"
#include "common/error.h"

#ifdef SST_HAVE_NCCL
#include <cuda_runtime.h>
#include <nccl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "comm/collective_watchdog.h"

#ifdef SST_TORCH_CUDA  // a CUDA LibTorch: its kernels run on c10's current stream
#include <c10/cuda/CUDAStream.h>
#endif

namespace sst::comm {
namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw UserError(std::string("NCCL ") + what + ": " + ncclGetErrorString(r));
}

void check_cuda(cudaError_t r, const char* what) {
  if (r != cudaSuccess) throw UserError(std::string("CUDA ") + what + ": " + cudaGetErrorString(r));
}

ncclDataType_t nccl_type(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat:
      return ncclFloat32;
    case torch::kDouble:
      return ncclFloat64;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kHalf:
      return ncclFloat16;
    case torch::kLong:
      return ncclInt64;
    case torch::kInt:
      return ncclInt32;
    default:
      throw std::invalid_argument("NcclCommunicator: unsupported dtype");
  }
}

// The stream LibTorch queues this thread's kernels on for `device` (the backward hooks run on
// autograd's device thread, which sets it per node).
cudaStream_t current_stream(int device) {
#ifdef SST_TORCH_CUDA
  return c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device)).stream();
#else
  // A CPU-only LibTorch never hands this backend a CUDA tensor (the backend is compiled there to be
  // type-checked); the legacy default stream stands in.
  (void)device;
  return cudaStreamLegacy;
#endif
}

// Follows queued collectives by an event recorded after each; for one that failed or is late (a
// timeout of 0: never late) it calls `abort_comm` and ends the process.
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  Watchdog(int rank, int device, double timeout_s, ncclComm_t comm, std::function<void()> abort_comm)
      : rank_(rank),
        device_(device),
        timeout_(std::chrono::duration<double>(timeout_s)),
        comm_(comm),
        abort_comm_(std::move(abort_comm)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    for (auto& p : pending_) cudaEventDestroy(p.event);
    for (auto e : free_) cudaEventDestroy(e);
  }

  // After the collective `what` was queued on `stream`.
  void track(const char* what, cudaStream_t stream) {
    cudaEvent_t event;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (free_.empty()) {
        check_cuda(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
      } else {
        event = free_.back();
        free_.pop_back();
      }
    }
    check_cuda(cudaEventRecord(event, stream), "cudaEventRecord");
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back({event, Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout_), what});
    }
    cv_.notify_all();
  }

 private:
  struct Pending {
    cudaEvent_t event;
    Clock::time_point deadline;
    const char* what;
  };

  void loop() {
    cudaSetDevice(device_);  // events are queried on their device
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      Pending p = pending_.front();
      lock.unlock();
      const cudaError_t state = cudaEventQuery(p.event);
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm_, &async);
      if (state == cudaSuccess) {
        lock.lock();
        pending_.pop_front();
        free_.push_back(p.event);
        continue;
      }
      if (state != cudaErrorNotReady) fail(p.what, std::string("CUDA error ") + cudaGetErrorString(state));
      if (async != ncclSuccess) fail(p.what, std::string("NCCL error ") + ncclGetErrorString(async));
      if (timeout_.count() > 0 && Clock::now() > p.deadline)
        fail(p.what, "not completed within " + std::to_string(timeout_.count()) + " s (a peer rank failed?)");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      lock.lock();
    }
  }

  [[noreturn]] void fail(const char* what, const std::string& why) {
    abort_comm_();
    std::fprintf(stderr, "sst-train: error (rank %d): %s: %s; NCCL communicator aborted\n", rank_, what, why.c_str());
    std::fflush(stderr);
    std::_Exit(1);  // the launcher ends the other ranks
  }

  int rank_, device_;
  std::chrono::duration<double> timeout_;
  ncclComm_t comm_;
  std::function<void()> abort_comm_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;
  std::vector<cudaEvent_t> free_;
  bool stop_ = false;
  std::thread thread_;
};

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(const ControlPlane& control, int device) : device_(device), rank_(control.world().rank) {
    const double timeout_s = nccl_timeout_s();
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    // Non-blocking: the legacy default stream would otherwise serialize with it.
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    check_cuda(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");
    check_cuda(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
    const ncclUniqueId id = unique_id_of_rank_0(control);
    check_nccl(ncclCommInitRank(&comm_, control.world().size, id, rank_), "ncclCommInitRank");
    watchdog_ = std::make_unique<Watchdog>(rank_, device_, timeout_s, comm_, [this] { abort_comm(); });
  }
  ~NcclCommunicator() override {
    if (!aborted_) {  // a normal shutdown: the queued collectives complete, then the communicator goes
      cudaStreamSynchronize(stream_);
      watchdog_.reset();
      ncclCommDestroy(comm_);
    }
    cudaEventDestroy(ready_);
    cudaEventDestroy(done_);
    cudaStreamDestroy(stream_);
  }

  std::string name() const override { return "nccl"; }
  bool asynchronous() const override { return true; }

  // The watchdog stops first (it reads the communicator's error state), then NCCL drops out of every
  // queued collective. Nothing here waits for the GPU or for a peer.
  void abort() override {
    if (watchdog_) watchdog_.reset();
    abort_comm();
  }

  void allreduce_sum(torch::Tensor& t) override {
    check_tensor(t, "allreduce");
    issue("ncclAllReduce",
          [&] { return ncclAllReduce(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t), ncclSum, comm_, stream_); });
  }

  void broadcast(torch::Tensor& t, int root) override {
    check_tensor(t, "broadcast");
    issue("ncclBroadcast",
          [&] { return ncclBroadcast(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t), root, comm_, stream_); });
  }

  // Equal parts: NCCL's in-place reduce-scatter / all-gather (this rank's part at rank x count).
  // Unequal ones (a bucket's overlap with each shard): one grouped ncclReduce / ncclBroadcast per
  // non-empty part, rooted at its owner.
  void reduce_scatter_sum(torch::Tensor& t, const std::vector<int64_t>& counts) override {
    check_tensor(t, "reduce-scatter");
    issue("ncclReduceScatter", [&] {
      return by_parts(
          t, counts,
          [&](char* base, int64_t count) {
            return ncclReduceScatter(base, base + rank_ * count * t.element_size(), count, nccl_type(t), ncclSum, comm_,
                                     stream_);
          },
          [&](char* part, int64_t count, int owner) {
            return ncclReduce(part, part, count, nccl_type(t), ncclSum, owner, comm_, stream_);
          });
    });
  }

  void all_gather(torch::Tensor& t, const std::vector<int64_t>& counts) override {
    check_tensor(t, "all-gather");
    issue("ncclAllGather", [&] {
      return by_parts(
          t, counts,
          [&](char* base, int64_t count) {
            return ncclAllGather(base + rank_ * count * t.element_size(), base, count, nccl_type(t), comm_, stream_);
          },
          [&](char* part, int64_t count, int owner) {
            return ncclBroadcast(part, part, count, nccl_type(t), owner, comm_, stream_);
          });
    });
  }

  void join() override {
    std::lock_guard<std::mutex> lock(mu_);
    check_cuda(cudaEventRecord(done_, stream_), "cudaEventRecord");
    check_cuda(cudaStreamWaitEvent(current_stream(device_), done_, 0), "cudaStreamWaitEvent");
  }

 private:
  // `equal(base, count)` when every part has the same count, else `per_part(part, count, owner)` for
  // each non-empty part inside one NCCL group.
  // Rank 0's id, through the control plane's broadcast: it runs under the collective timeout, and a
  // failure to create the id ends every rank with rank 0's message instead of leaving them waiting.
  static ncclUniqueId unique_id_of_rank_0(const ControlPlane& control) {
    const std::string bytes = control.decide_on_root([] {
      ncclUniqueId id;
      check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
      return std::string(reinterpret_cast<const char*>(&id), sizeof(id));
    });
    ncclUniqueId id;
    TORCH_CHECK(bytes.size() == sizeof(id), "NCCL unique id of ", bytes.size(), " bytes, expected ", sizeof(id));
    std::memcpy(&id, bytes.data(), sizeof(id));
    return id;
  }

  // Once, from whichever thread gets here first (the main thread on an error, the watchdog on a late
  // or failed collective).
  void abort_comm() {
    if (aborted_.exchange(true)) return;
    ncclCommAbort(comm_);
  }

  template <typename Equal, typename PerPart>
  static ncclResult_t by_parts(const torch::Tensor& t, const std::vector<int64_t>& counts, Equal&& equal,
                               PerPart&& per_part) {
    int64_t total = 0;
    bool same = true;
    for (int64_t c : counts) {
      total += c;
      same = same && c == counts.front();
    }
    TORCH_CHECK(total == t.numel(), "collective: the parts' counts do not add up to the tensor's size");
    char* base = static_cast<char*>(t.data_ptr());
    if (same) return equal(base, counts.front());
    ncclResult_t r = ncclGroupStart();
    int64_t offset = 0;
    for (size_t owner = 0; owner < counts.size() && r == ncclSuccess; ++owner) {
      if (counts[owner] > 0) r = per_part(base + offset * t.element_size(), counts[owner], static_cast<int>(owner));
      offset += counts[owner];
    }
    const ncclResult_t end = ncclGroupEnd();
    return r != ncclSuccess ? r : end;
  }

  static void check_tensor(const torch::Tensor& t, const char* what) {
    TORCH_CHECK(t.is_cuda() && t.is_contiguous(), "NCCL ", what, " needs a contiguous CUDA tensor");
  }

  // Queues `nccl_call` on the communication stream after the caller's queued work. Calls come from
  // the main thread and from autograd's device thread (backward hooks), never at the same time; the
  // mutex keeps the shared event consistent regardless.
  template <typename Call>
  void issue(const char* what, Call&& nccl_call) {
    std::lock_guard<std::mutex> lock(mu_);
    check_cuda(cudaEventRecord(ready_, current_stream(device_)), "cudaEventRecord");
    check_cuda(cudaStreamWaitEvent(stream_, ready_, 0), "cudaStreamWaitEvent");
    check_nccl(nccl_call(), what);
    watchdog_->track(what, stream_);
  }

  int device_, rank_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;  // re-recorded per use: a wait takes the latest record
  ncclComm_t comm_ = nullptr;
  std::atomic<bool> aborted_{false};
  std::mutex mu_;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace

bool nccl_compiled() { return true; }

std::unique_ptr<Communicator> make_nccl_communicator(const ControlPlane& control, int device) {
  return std::make_unique<NcclCommunicator>(control, device);
}

}  // namespace sst::comm

#else  // !SST_HAVE_NCCL

namespace sst::comm {
bool nccl_compiled() { return false; }
std::unique_ptr<Communicator> make_nccl_communicator(const ControlPlane&, int) {
  throw UserError("this build has no NCCL support (CUDA toolkit or NCCL not found at configure time)");
}
}  // namespace sst::comm

#endif
