// Any-label classification data for sst-prep (--format tsv|jsonl): the JSONL reader and the mapping
// from label names to class ids 0 .. K-1 that the HDF5 file stores (docs/data_format.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dataset/tsv_reader.h"

namespace sst::dataset {

// More classes than this is almost surely a wrong column (a free-text field read as the label); the
// HDF5 file stores class ids as int8.
constexpr int kMaxClasses = 100;

// One JSON object per line with a non-empty string "text" (or "sentence") and a "label" that is a string
// or an integer; other fields are ignored, blank lines only at the end. Either every line has a label
// or none does (an unlabeled test split). Throws UserError "NAME:LINE: problem".
TextData parse_jsonl(const std::string& text, const std::string& name);
TextData read_jsonl_file(const std::string& path);

// The class names of a training split, in id order: when every label is a non-negative integer written
// plainly ("0", "7", not "07") they are sorted by value (SST-2's "0","1" keep ids 0 and 1, SST-5's 0..4
// keep theirs), otherwise by byte order. Throws UserError naming `path` when there are fewer than 2
// labels, or at the line where label number kMaxClasses + 1 first appears.
std::vector<std::string> class_names_of(const TextData& train, const std::string& path);

// The class id of every example of `data` (-1 for all when it is unlabeled). A label that is not one
// of `names` throws UserError "PATH:LINE: label 'x' is not in the training set (TRAIN_PATH has ...)".
std::vector<int8_t> class_ids_of(const TextData& data, const std::vector<std::string>& names, const std::string& path,
                                 const std::string& train_path);

}  // namespace sst::dataset
