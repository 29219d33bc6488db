// One exception type for every user-facing failure: its message is the one line printed at exit.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sst {

// The longest message shown (bytes): a 1 MB value in a config file must not make a 1 MB error line.
constexpr std::size_t kMaxMessageBytes = 600;

// `text` as it is safe to print on one terminal line: control characters (ESC, NUL, newline, DEL, the
// C1 range) and bytes that are not UTF-8 escaped as \n, \t, \r, \xHH or \u00HH; a UTF-8 byte-order mark
// shown as <BOM>; a longer message keeps its start and its end (where it says what is wrong) with
// " ... (N bytes left out) ... " between. Printable UTF-8 and a backslash stay as they are, so applying
// it twice changes nothing.
std::string printable_message(std::string_view text);

// A problem in the user's input or environment (bad file, bad option, unwritable directory).
// main() catches it, prints "error: <what>" and exits non-zero. The message is made printable here,
// where it is built (a NUL would otherwise cut what() short).
struct UserError : std::runtime_error {
  explicit UserError(const std::string& what) : std::runtime_error(printable_message(what)) {}
  explicit UserError(const char* what) : std::runtime_error(printable_message(what)) {}
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
