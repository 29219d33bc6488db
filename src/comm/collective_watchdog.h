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

// Reads SST_COLLECTIVE_TIMEOUT_S; throws UserError naming it when it is not a number of seconds >= 0.
double collective_timeout_s();

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
