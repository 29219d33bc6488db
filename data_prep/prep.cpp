// The sst-prep pipeline: validate inputs and output location first (cheap), then train the
// tokenizer and encode (slow), then write one HDF5 file atomically.
#include "prep.h"

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <ostream>

#include "common/error.h"
#include "common/files.h"
#include "dataset/dataset_file.h"
#include "dataset/tsv_reader.h"

namespace fs = std::filesystem;

namespace sst::prep {
namespace {

struct Source {
  std::string name;  // split name
  std::string path;
  dataset::TsvData data;
  std::string sha256;
};

// Encodes every sentence and packs them into the flat tokens/offsets layout of the HDF5 file.
sst::dataset::Split encode_split(const Source& src, const dataset::Tokenizer& tok) {
  sst::dataset::Split s;
  s.name = src.name;
  s.source_file = fs::path(src.path).filename().string();
  s.source_sha256 = src.sha256;
  s.labels = src.data.labels;
  s.offsets.reserve(src.data.size() + 1);
  s.offsets.push_back(0);
  for (size_t i = 0; i < src.data.size(); ++i) {
    std::vector<int32_t> ids = tok.encode(src.data.sentences[i]);
    // Only trailing blank lines may be skipped by the reader, so example i sits on line i + 2.
    if (ids.empty()) throw UserError(src.path + ":" + std::to_string(i + 2) + ": sentence encodes to zero tokens");
    s.tokens.insert(s.tokens.end(), ids.begin(), ids.end());
    s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
  }
  return s;
}

// Before anything slow: the output is a file name in a writable folder, not one of the inputs (`sst-prep
// --data-dir d --output d/train.tsv` replaced its own input), and not a symbolic link.
void check_output_path(const std::string& output, const std::string& data_dir) {
  if (output.empty()) throw UserError("output path is empty");
  fs::path out(output);
  std::error_code ec;
  if (fs::is_directory(out, ec)) throw UserError("output " + output + " is a directory (expected a .h5 file path)");
  if (!out.has_filename()) throw UserError("output " + output + " does not name a file");
  std::vector<std::string> inputs;
  for (const char* name : {"train.tsv", "dev.tsv", "test.tsv"}) inputs.push_back((fs::path(data_dir) / name).string());
  refuse_output_over_input(output, inputs, "--output " + output);
  refuse_symlink(output, "--output " + output);
  ensure_writable_dir(out.has_parent_path() ? out.parent_path().string() : ".");
}

}  // namespace

PrepSummary run_prep(const PrepOptions& opts, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!fs::is_directory(opts.data_dir, ec)) throw UserError("data directory " + opts.data_dir + " does not exist");
  check_output_path(opts.output, opts.data_dir);

  // Read and validate every input before the slow training, so a bad dev/test line fails fast.
  std::vector<Source> sources;
  for (const char* name : {"train", "dev", "test"}) {
    std::string path = (fs::path(opts.data_dir) / (std::string(name) + ".tsv")).string();
    if (std::string(name) == "test" && !fs::exists(path, ec)) {
      log << "note: " << path << " not found; writing no test split\n";
      continue;
    }
    Source src{name, path, dataset::read_tsv_file(path), sha256_file(path)};
    if (src.data.size() == 0) throw UserError(path + ": no examples after the header");
    if (src.name != "test" && !src.data.labeled)
      throw UserError(path + ": header has no 'label' column (the " + src.name + " split must be labeled)");
    sources.push_back(std::move(src));
  }

  sst::dataset::TokenizerInfo info = dataset::train_tokenizer(sources[0].data.sentences, opts.tokenizer);
  dataset::Tokenizer tok(info.model_proto);

  std::vector<sst::dataset::Split> splits;
  splits.reserve(sources.size());
  for (const Source& src : sources) splits.push_back(encode_split(src, tok));

  const std::string created_by = "sst-prep (model_type=" + opts.tokenizer.model_type +
                                 ", vocab_size=" + std::to_string(opts.tokenizer.vocab_size) +
                                 ", seed=" + std::to_string(opts.tokenizer.seed) + ")";
  sst::dataset::write_dataset_file(opts.output, info, splits, created_by);

  PrepSummary sum;
  for (const auto& s : splits) sum.splits.push_back({s.name, s.num_examples(), static_cast<int64_t>(s.tokens.size())});
  sum.vocab_size = info.vocab_size;
  sum.output = opts.output;
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  log << "tokenizer: " << info.type << ", vocab size " << info.vocab_size << " (requested " << opts.tokenizer.vocab_size
      << ")\n";
  for (const auto& s : sum.splits)
    log << "  " << std::left << std::setw(6) << s.name << std::right << std::setw(8) << s.examples << " examples "
        << std::setw(10) << s.tokens << " tokens\n";
  log << "wrote " << sum.output << " in " << std::fixed << std::setprecision(1) << sum.seconds << " s\n";
  return sum;
}

}  // namespace sst::prep
