// The MPI path's collective timeout. A blocking MPI collective has no deadline: when a peer's network is
// cut (its processes alive, its TCP connections silent) every rank would wait in it forever. So each
// blocking collective of the control plane and of the MPI communicator runs inside a CollectiveGuard,
// and one watchdog thread per process looks at the open guards twice a second: a collective that has not
// returned for SST_COLLECTIVE_TIMEOUT_S seconds (default 600; 0 turns the watchdog off) is named on
// stderr and the job is ended with MPI_Abort. Should the abort itself not get through (the launcher on
// the far side of the cut), SIGALRM ends this process 10 s later, which its launcher sees. The abort
// comes from the watchdog's thread while another thread is inside MPI, beyond MPI_THREAD_SERIALIZED's
// promise; acceptable for a call whose only job is to end the process (and the alarm backs it up).
// A watchdog thread rather than non-blocking collectives with a deadline: the call sites stay the plain
// blocking calls, and the NCCL path's watchdog (nccl_communicator.cpp) works the same way.
#pragma once

namespace sst::comm {

// The one timeout contract of both backends: a variable holds a plain number of seconds >= 0, 0 turns
// the deadline off, unset or empty gives `default_s`; anything else ("5m", "abc", -1, nan, inf) is a
// UserError naming the variable and its value.
double parse_timeout_s(const char* variable, const char* value, double default_s);
// SST_COLLECTIVE_TIMEOUT_S (MPI collectives, default 600 s) and SST_NCCL_TIMEOUT_S (NCCL collectives,
// default 300 s), read through parse_timeout_s; sst-train checks both before MPI starts.
double collective_timeout_s();
double nccl_timeout_s();

// Marks one blocking MPI collective, `what` (a string literal), as in progress on this thread.
class CollectiveGuard {
 public:
  explicit CollectiveGuard(const char* what);
  ~CollectiveGuard();
  CollectiveGuard(const CollectiveGuard&) = delete;
  CollectiveGuard& operator=(const CollectiveGuard&) = delete;

 private:
  int slot_ = -1;  // -1: the watchdog is off
};

}  // namespace sst::comm
