#include "train/run_identity.h"

#include <map>
#include <set>

#include "common/files.h"
#include "common/text.h"

namespace sst {
namespace {

// Options each rank may set for itself: they change neither the model nor what it learns.
const std::set<std::string> kRankOwnKeys = {"data.path", "train.threads", "train.memory_limit_gb"};

std::string split_identity(const dataset::DatasetFile& data, const std::string& split) {
  if (!data.has_split(split)) return "absent";
  const auto offsets = data.read_offsets(split);
  const auto labels = data.read_labels(split);
  // The example boundaries and labels are small and read whole: a digest of them tells a file
  // changed after sst-prep (or made from another TSV under the same name) without reading the tokens.
  std::string layout(reinterpret_cast<const char*>(offsets.data()), offsets.size() * sizeof(offsets[0]));
  layout.append(reinterpret_cast<const char*>(labels.data()), labels.size());
  return std::to_string(labels.size()) + " examples, " + std::to_string(offsets.back()) + " tokens, source sha256 " +
         data.source_sha256(split).substr(0, 12) + ", offsets and labels sha256 " + sha256_bytes(layout).substr(0, 12);
}

// One "key = value" line per entry; keys and values never hold a newline (INI values cannot).
std::vector<std::pair<std::string, std::string>> lines_of(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t eq = line.find(" = ");
    if (eq != std::string::npos) out.emplace_back(line.substr(0, eq), line.substr(eq + 3));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string run_identity(const Config& cfg, const dataset::DatasetFile& data) {
  std::string out;
  for (const auto& [key, value] : text::parse_ini(cfg.resolved_ini, "resolved config"))
    if (!kRankOwnKeys.count(key)) out += key + " = " + value + "\n";
  const dataset::DataIdentity id = data.identity();
  out += "data.tokenizer = " + id.tokenizer_type + " sha256 " + id.tokenizer_sha256 + "\n";
  out += "data.vocab_size = " + std::to_string(id.vocab_size) + "\n";
  out += "data.schema_version = " + std::to_string(id.schema_version) + "\n";
  for (const char* split : {"train", "dev"})
    out += std::string("data.split.") + split + " = " + split_identity(data, split) + "\n";
  return out;
}

std::optional<std::string> first_difference(const std::string& mine, const std::string& root) {
  const auto a = lines_of(mine), b = lines_of(root);
  std::map<std::string, std::string> root_values(b.begin(), b.end());
  for (const auto& [key, value] : a) {
    const auto it = root_values.find(key);
    if (it == root_values.end()) return key + " = " + value + " (rank 0: not set)";
    if (it->second != value) return key + " = " + value + " (rank 0: " + it->second + ")";
  }
  std::map<std::string, std::string> my_values(a.begin(), a.end());
  for (const auto& [key, value] : b)
    if (!my_values.count(key)) return key + " not set (rank 0: " + value + ")";
  return std::nullopt;
}

}  // namespace sst
