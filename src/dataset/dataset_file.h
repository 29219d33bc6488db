// The tokenized SST-2 file: one self-contained HDF5 file written by sst-prep, read by sst-train and
// sst-analyze. The schema is documented in docs/data_format.md; bump kSchemaVersion on any change.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataset/data_identity.h"
#include "dataset/tokenizer_info.h"

namespace H5 {
class H5File;
class Group;
}  // namespace H5

namespace sst::dataset {

// 2 added the classes (num_classes, class_names); files of version 1 are read as SST-2's two classes.
constexpr int kSchemaVersion = 2;
constexpr int kOldestSchemaVersion = 1;
// The token layout (tokenizer, tokens, offsets), unchanged since version 1: what a model depends on
// (DataIdentity), so a checkpoint trained on a version 1 file reads a version 2 file's tokens alike.
constexpr int kTokenSchemaVersion = 1;
constexpr const char* kFormatName = "sst2-tokenized";

// One split in memory: example i has tokens[offsets[i] .. offsets[i+1]) and labels[i], a class id in
// 0 .. K-1 (-1: unlabeled).
struct Split {
  std::string name;  // "train", "dev", "test"
  std::vector<int32_t> tokens;
  std::vector<int64_t> offsets;  // size n+1, offsets[0] == 0
  std::vector<int8_t> labels;    // size n
  std::string source_file;       // basename of the TSV it came from
  std::string source_sha256;
  int64_t num_examples() const { return static_cast<int64_t>(labels.size()); }
};

// Writes the file atomically (temporary name, then rename). Token data are chunked and gzip'ed.
// `class_names[k]` names class id k (2 to kMaxClasses of them, no control characters).
void write_dataset_file(const std::string& path, const TokenizerInfo& tok, const std::vector<Split>& splits,
                        const std::string& created_by, const std::vector<std::string>& class_names = {"0", "1"});

// Read access without loading token data: each rank reads only the examples it trains on.
class DatasetFile {
 public:
  // Opens and validates `path`: format name, schema version, the tokenizer (its digest when recorded,
  // its special ids) and every split (offsets, labels, every token id inside the vocabulary); throws
  // UserError naming the file, the split and the example.
  explicit DatasetFile(const std::string& path);
  ~DatasetFile();
  DatasetFile(const DatasetFile&) = delete;
  DatasetFile& operator=(const DatasetFile&) = delete;

  const std::string& path() const { return path_; }
  const TokenizerInfo& tokenizer() const { return tokenizer_; }
  // What a model trained on this file depends on (its tokenizer, vocabulary and schema).
  DataIdentity identity() const { return identity_of(tokenizer_, kTokenSchemaVersion); }
  int schema_version() const { return schema_version_; }
  // The classes: K = num_classes() >= 2 and the name of each id ("0", "1" for a version 1 file).
  int num_classes() const { return static_cast<int>(class_names_.size()); }
  const std::vector<std::string>& class_names() const { return class_names_; }
  bool has_split(const std::string& split) const;
  // Offsets (n+1) and labels (n) of a split: small metadata, read whole. Throws if the split is absent.
  std::vector<int64_t> read_offsets(const std::string& split) const;
  std::vector<int8_t> read_labels(const std::string& split) const;
  std::string source_sha256(const std::string& split) const;
  // Token ids of the examples `ids`, given the split's offsets; returns one vector per example.
  // One HDF5 read of the union of their ranges (hyperslab selection).
  std::vector<std::vector<int32_t>> read_examples(const std::string& split, const std::vector<int64_t>& offsets,
                                                  const std::vector<int64_t>& ids) const;
  // All token ids of a split, in file order: one sequential read, each chunk decompressed once.
  std::vector<int32_t> read_tokens(const std::string& split) const;
  // A whole split, tokens included (analysis and tests).
  Split read_split(const std::string& split) const;

 private:
  void validate_tokenizer(const H5::Group& tokenizer_group) const;
  void read_classes();
  void validate_split(const std::string& split) const;
  std::vector<std::vector<int32_t>> read_examples_unguarded(const std::string& split,
                                                            const std::vector<int64_t>& offsets,
                                                            const std::vector<int64_t>& ids) const;

  std::string path_;
  std::unique_ptr<H5::H5File> file_;
  TokenizerInfo tokenizer_;
  int schema_version_ = 0;
  std::vector<std::string> class_names_;
  // The batch prefetch thread and the main thread (evaluation) read the same file. HDF5 is only
  // thread-safe when built so (Debian's is, many site builds are not), so every read holds this lock.
  mutable std::recursive_mutex io_mutex_;
};

}  // namespace sst::dataset
