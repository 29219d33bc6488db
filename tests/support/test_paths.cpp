#include "test_paths.h"

namespace sst::test {

std::string source_dir() { return SST_SOURCE_DIR; }
std::string bin_dir() { return SST_BIN_DIR; }

}  // namespace sst::test
