// The NCCL backend (comm/nccl_communicator.cpp), on 1-3 ranks of mpi_allreduce_check (mpi_checks.h). Its
// collectives are test_mpi_communicator.cpp's checks, which `mpi_allreduce_check cuda` runs on it where
// each rank has a GPU of its own (tests/gpu). These checks run on any machine: a build without NCCL
// refuses it in one line; a device that does not exist, or a bad SST_NCCL_TIMEOUT_S, is a one-line
// error on every rank before any collective (so no rank waits for another); and on GPUs, one per rank,
// the backend chosen is NCCL.
#include <cstdlib>
#include <optional>
#include <string>

#include "common/error.h"
#include "mpi_checks.h"

namespace sst::comm::test {
namespace {

// The message of the UserError that make_nccl_communicator throws: "(none)" when it throws nothing, and
// "(another exception)" for any other type.
std::string refusal(const ControlPlane& control, int device) {
  try {
    make_nccl_communicator(control, device);
  } catch (const UserError& e) {
    return e.what();
  } catch (...) {
    return "(another exception)";
  }
  return "(none)";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool one_line(const std::string& s) { return s.find('\n') == std::string::npos; }

// Sets an environment variable for its lifetime, then puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

void check_nccl_communicator(MpiCheck& c) {
  if (!nccl_compiled()) {
    const std::string e = refusal(c.control, 0);
    c.check(starts_with(e, "this build has no NCCL support") && one_line(e), "a build without NCCL refuses it: " + e);
    return;
  }
  // No machine has a device 1,048,576: cudaSetDevice fails on every rank on its own, before rank 0's
  // unique id is exchanged. The same without a GPU, where CUDA has no device at all.
  const std::string no_device = refusal(c.control, 1 << 20);
  c.check(starts_with(no_device, "CUDA cudaSetDevice: ") && one_line(no_device),
          "a device that does not exist is one line naming cudaSetDevice: " + no_device);
  {
    ScopedEnv bad("SST_NCCL_TIMEOUT_S", "soon");
    const std::string e = refusal(c.control, 0);
    c.check(e == "SST_NCCL_TIMEOUT_S=soon: not a number of seconds >= 0 (0: no timeout)",
            "a bad SST_NCCL_TIMEOUT_S is refused before CUDA is touched: " + e);
  }
  // One GPU per rank: the trainer's choice (make_communicator) is NCCL.
  if (c.cuda && c.world.local_size <= static_cast<int>(torch::cuda::device_count()))
    c.check(c.comm.name() == "nccl", "one GPU per rank: the NCCL backend, not " + c.comm.name());
}

}  // namespace sst::comm::test
