// GLUE-format TSV parsing (SST-2's 0/1 labels, or any labels): header-addressed columns, strict validation, one-line
// errors. Owned by sst-prep; the in-memory form is what the libFuzzer target exercises.
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

// Any-label single-sentence classification data (sst-prep --format tsv|jsonl): each example's label as
// written, turned into class ids by dataset/class_labels.h.
struct TextData {
  std::vector<std::string> sentences;  // trimmed, never empty, valid UTF-8
  std::vector<std::string> labels;     // as written (trimmed, never empty); empty strings when !labeled
  std::vector<size_t> lines;           // the line of each example in its file (for messages)
  bool labeled = false;
  size_t size() const { return sentences.size(); }
};

// The same TSV rules as parse_tsv, but the sentence column may be named 'text' and a label is any
// non-empty field (an empty one is "label missing" at its line).
TextData parse_class_tsv(const std::string& text, const std::string& name);
TextData read_class_tsv_file(const std::string& path);

// The bytes of an input file; a missing or unreadable one throws UserError("cannot open PATH: ...").
std::string read_input_file(const std::string& path);

// Offset of the first byte that breaks UTF-8 in `s` (overlong forms, surrogates and code points
// above U+10FFFF are invalid), or std::string::npos if `s` is valid.
size_t find_invalid_utf8(const std::string& s);

}  // namespace sst::dataset
