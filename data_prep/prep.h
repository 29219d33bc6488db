// The sst-prep pipeline as a library call: TSV or JSONL files -> SentencePiece -> one HDF5 file.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <array>
#include <utility>

#include "common/enum_names.h"
#include "dataset/tokenizer.h"

namespace sst::prep {

// The input files: GLUE SST-2 TSV (labels 0/1, the default), TSV with any labels, or JSON lines.
enum class InputFormat { kSst2, kTsv, kJsonl };
}  // namespace sst::prep

namespace sst {
template <>
struct EnumNames<prep::InputFormat> {
  using F = prep::InputFormat;
  static constexpr std::array<std::pair<F, const char*>, 3> kNames{
      {{F::kSst2, "sst2"}, {F::kTsv, "tsv"}, {F::kJsonl, "jsonl"}}};
};
}  // namespace sst

namespace sst::prep {

struct PrepOptions {
  std::string data_dir;  // holds train.EXT, dev.EXT and optionally test.EXT (EXT: tsv, or jsonl)
  InputFormat format = InputFormat::kSst2;
  std::string output;  // the .h5 file to write (replaced atomically)
  dataset::TokenizerOptions tokenizer;
};

struct SplitSummary {
  std::string name;
  int64_t examples = 0;
  int64_t tokens = 0;
};

struct PrepSummary {
  std::vector<SplitSummary> splits;  // train, dev, then test when present
  int32_t vocab_size = 0;
  std::vector<std::string> class_names;  // class id k is class_names[k]
  std::string output;
  double seconds = 0;
};

// Runs the pipeline and prints a short summary (and notes, e.g. a missing test.tsv) to `log`.
// Every input problem throws sst::UserError before anything is written; the output is written
// atomically, so a failure never leaves a partial or stale-named file behind.
PrepSummary run_prep(const PrepOptions& opts, std::ostream& log);

}  // namespace sst::prep
