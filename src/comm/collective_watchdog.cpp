#include "comm/collective_watchdog.h"

#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace sst::comm {

namespace {

using Clock = std::chrono::steady_clock;

// The open guards (at most two at a time: the main thread's control plane and the gradient thread's
// all-reduce), and the thread that watches them. Lives for the whole process.
class Watchdog {
 public:
  explicit Watchdog(double timeout_s) : timeout_(std::chrono::duration<double>(timeout_s)) {
    std::thread([this] { watch(); }).detach();
  }

  int open(const char* what) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < slots_.size(); ++i)
      if (!slots_[i].what) {
        slots_[i] = {what, Clock::now()};
        return static_cast<int>(i);
      }
    slots_.push_back({what, Clock::now()});
    return static_cast<int>(slots_.size() - 1);
  }

  void close(int slot) {
    std::lock_guard<std::mutex> lock(mu_);
    slots_[static_cast<size_t>(slot)].what = nullptr;
  }

 private:
  struct Slot {
    const char* what = nullptr;
    Clock::time_point since;
  };

  void watch() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& s : slots_)
        if (s.what && Clock::now() - s.since > timeout_) abort_job(s.what);
    }
  }

  [[noreturn]] void abort_job(const char* what) const {
    int rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char host[256] = {0};
    if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
    std::fprintf(stderr,
                 "error: rank %d (%s): the MPI collective %s made no progress for %.0f s (SST_COLLECTIVE_TIMEOUT_S):"
                 " a peer rank or its network is gone; aborting the job\n",
                 rank, host, what, timeout_.count());
    std::fflush(stderr);
    ::alarm(10);  // the default SIGALRM action ends the process if the abort does not
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::_Exit(1);
  }

  std::chrono::duration<double> timeout_;
  std::mutex mu_;
  std::vector<Slot> slots_;
};

Watchdog* watchdog() {
  static Watchdog* const w = [] {
    const double t = collective_timeout_s();
    return t > 0 ? new Watchdog(t) : nullptr;  // never deleted: its thread runs until the process ends
  }();
  return w;
}

}  // namespace

double parse_timeout_s(const char* variable, const char* value, double default_s) {
  if (!value || !*value) return default_s;
  char* end = nullptr;
  const double t = std::strtod(value, &end);
  if (end == value || *end != '\0' || !std::isfinite(t) || t < 0)
    throw UserError(std::string(variable) + "=" + value + ": not a number of seconds >= 0 (0: no timeout)");
  return t;
}

double collective_timeout_s() {
  return parse_timeout_s("SST_COLLECTIVE_TIMEOUT_S", std::getenv("SST_COLLECTIVE_TIMEOUT_S"), 600.0);
}

double nccl_timeout_s() { return parse_timeout_s("SST_NCCL_TIMEOUT_S", std::getenv("SST_NCCL_TIMEOUT_S"), 300.0); }

CollectiveGuard::CollectiveGuard(const char* what) {
  if (auto* w = watchdog()) slot_ = w->open(what);
}

CollectiveGuard::~CollectiveGuard() {
  if (slot_ >= 0) watchdog()->close(slot_);
}

}  // namespace sst::comm
