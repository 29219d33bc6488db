// The errors the TSV and label-map readers raise about one line of their input: "NAME:LINE: what", with the
// offending value quoted short and printable. One copy for both readers (they are one library).
#pragma once
#include <cstddef>
#include <string>

#include "common/error.h"

namespace sst::dataset::line_errors {

// A user value inside an error message: its first 40 bytes, control bytes as '?', in single quotes, with
// "..." before the closing quote when it was cut.
inline std::string quote(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return "'" + out + (s.size() > 40 ? "...'" : "'");
}

[[noreturn]] inline void fail(const std::string& name, std::size_t line_no, const std::string& what) {
  throw UserError(name + ":" + std::to_string(line_no) + ": " + what);
}

}  // namespace sst::dataset::line_errors
