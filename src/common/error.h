// One exception type for every user-facing failure: its message is the one line printed at exit.
#pragma once
#include <stdexcept>
#include <string>

namespace sst {

// A problem in the user's input or environment (bad file, bad option, unwritable directory).
// main() catches it, prints "error: <what>" and exits non-zero.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace sst

namespace sst {

// An error every rank raises at the same point (agreed through a collective), so the job can end
// cleanly (MPI_Finalize, exit 1) instead of MPI_Abort. Only one rank prints it (`printable`).
struct CollectiveError : UserError {
  CollectiveError(const std::string& what, bool printable) : UserError(what), printable(printable) {}
  bool printable;
};

}  // namespace sst
