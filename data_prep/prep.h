// The sst-prep pipeline as a library call: TSVs -> SentencePiece -> one HDF5 file.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "dataset/tokenizer.h"

namespace sst::prep {

struct PrepOptions {
  std::string data_dir;  // holds train.tsv, dev.tsv and optionally test.tsv (GLUE SST-2 layout)
  std::string output;    // the .h5 file to write (replaced atomically)
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
  std::string output;
  double seconds = 0;
};

// Runs the pipeline and prints a short summary (and notes, e.g. a missing test.tsv) to `log`.
// Every input problem throws sst::UserError before anything is written; the output is written
// atomically, so a failure never leaves a partial or stale-named file behind.
PrepSummary run_prep(const PrepOptions& opts, std::ostream& log);

}  // namespace sst::prep
