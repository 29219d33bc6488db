// What the ranks of one run must share before they train together: the effective configuration and
// the identity of the data (dataset/data_identity.h, and each split's size and source). A rank
// launched with another option (an MPMD launch, `mpirun -np 1 sst-train A : -np 1 sst-train A
// --model.d_model=32`) or with data prepared apart on its node would otherwise crash in the first
// broadcast of the weights (buffers of different sizes) or, worse, train an inconsistent model.
// setup.cpp compares every rank's identity with rank 0's before the first collective that depends on
// it; this file computes and compares them (no MPI).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dataset/dataset_file.h"
#include "train/config.h"

namespace sst {

// "key = value" lines, one key each, in a fixed order: every option of the resolved configuration
// except those that are each rank's own (data.path: the data is compared by content instead;
// train.threads and train.memory_limit_gb: the node's resources), then data.tokenizer,
// data.vocab_size, data.schema_version and, for train and dev, data.split.NAME (examples, tokens, the
// SHA-256 of the TSV it came from and of its offsets and labels).
std::string run_identity(const Config& cfg, const dataset::DatasetFile& data);

// The first key whose value differs between `mine` and `root` (two run_identity texts), as
// "model.d_model = 32 (rank 0: 16)"; nullopt when they are the same.
std::optional<std::string> first_difference(const std::string& mine, const std::string& root);

}  // namespace sst
