// GLUE-format SST-2 TSV parsing: header-addressed columns, strict validation, one-line errors.
// Owned by sst-prep; the in-memory form is what the libFuzzer target exercises.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sst::dataset {

// The examples of one TSV file, in file order. labels[i] is 0/1, or -1 when the file has no
// `label` column (the unlabeled GLUE test split, `index\tsentence`).
struct TsvData {
  std::vector<std::string> sentences;  // trailing spaces trimmed, never empty, valid UTF-8
  std::vector<int8_t> labels;
  bool labeled = false;
  size_t size() const { return sentences.size(); }
};

// Parses TSV text. `name` is the file name used in error messages ("NAME:LINE: problem").
// Throws sst::UserError on: no header, a header without a `sentence` column, a duplicated column,
// a line with too few or too many fields, a label other than 0/1, a bad index, an empty sentence,
// an empty line before the end, a NUL byte, or invalid UTF-8 (with the byte offset in the file).
TsvData parse_tsv(const std::string& text, const std::string& name);

// Reads `path` and parses it; a missing or unreadable file throws UserError("cannot open PATH: ...").
TsvData read_tsv_file(const std::string& path);

// Offset of the first byte that breaks UTF-8 in `s` (overlong forms, surrogates and code points
// above U+10FFFF are invalid), or std::string::npos if `s` is valid.
size_t find_invalid_utf8(const std::string& s);

}  // namespace sst::dataset
