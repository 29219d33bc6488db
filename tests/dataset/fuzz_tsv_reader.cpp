// libFuzzer target for the TSV reader: any input must either parse into consistent data or raise
// sst::UserError. Other exceptions, crashes and sanitizer reports are findings.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "dataset/tsv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sst::dataset::TsvData d = sst::dataset::parse_tsv(text, "fuzz.tsv");
    // Invariants the rest of the pipeline relies on.
    if (d.sentences.size() != d.labels.size()) std::abort();
    for (size_t i = 0; i < d.size(); ++i) {
      if (d.sentences[i].empty()) std::abort();
      if (sst::dataset::find_invalid_utf8(d.sentences[i]) != std::string::npos) std::abort();
      int8_t l = d.labels[i];
      if (d.labeled ? (l != 0 && l != 1) : l != -1) std::abort();
    }
  } catch (const sst::UserError&) {
    // Rejected input with a message: the expected outcome for malformed data.
  }
  return 0;
}
