// The sst-prep pipeline: validate inputs and output location first (cheap), then train the
// tokenizer and encode (slow), then write one HDF5 file atomically.
#include "prep.h"
#include "common/clock.h"

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <ostream>

#include "common/error.h"
#include "common/files.h"
#include "dataset/class_labels.h"
#include "dataset/dataset_file.h"
#include "dataset/tsv_reader.h"

namespace fs = std::filesystem;

namespace sst::prep {
namespace {

struct Source {
  std::string name;  // split name
  std::string path;
  dataset::TextData data;   // sentences (and raw labels, any-label formats)
  std::vector<int8_t> ids;  // class ids (-1: unlabeled)
  std::string sha256;
};

const char* extension(InputFormat f) { return f == InputFormat::kJsonl ? ".jsonl" : ".tsv"; }

// Reads one split. SST-2's reader checks labels are 0/1 at their line; the others keep them as written.
Source read_source(const std::string& name, const std::string& path, InputFormat format) {
  Source src{name, path, {}, {}, {}};
  if (format == InputFormat::kSst2) {
    dataset::TsvData d = dataset::read_tsv_file(path);
    src.data.sentences = std::move(d.sentences);
    src.data.labeled = d.labeled;
    src.ids = std::move(d.labels);
  } else {
    src.data = format == InputFormat::kTsv ? dataset::read_class_tsv_file(path) : dataset::read_jsonl_file(path);
  }
  src.sha256 = sha256_file(path);  // after the reader: a missing file is its "cannot open PATH"
  return src;
}

// The class names, and every split's class ids: from the training split's labels (any-label formats).
std::vector<std::string> assign_classes(std::vector<Source>& sources, InputFormat format) {
  if (format == InputFormat::kSst2) return {"0", "1"};
  std::vector<std::string> names = dataset::class_names_of(sources[0].data, sources[0].path);
  for (Source& s : sources) s.ids = dataset::class_ids_of(s.data, names, s.path, sources[0].path);
  return names;
}

// Encodes every sentence and packs them into the flat tokens/offsets layout of the HDF5 file.
sst::dataset::Split encode_split(const Source& src, const dataset::Tokenizer& tok) {
  sst::dataset::Split s;
  s.name = src.name;
  s.source_file = fs::path(src.path).filename().string();
  s.source_sha256 = src.sha256;
  s.labels = src.ids;
  s.offsets.reserve(src.data.size() + 1);
  s.offsets.push_back(0);
  for (size_t i = 0; i < src.data.size(); ++i) {
    std::vector<int32_t> ids = tok.encode(src.data.sentences[i]);
    // SST-2: only trailing blank lines may be skipped by the reader, so example i sits on line i + 2.
    const size_t line = i < src.data.lines.size() ? src.data.lines[i] : i + 2;
    if (ids.empty()) throw UserError(src.path + ":" + std::to_string(line) + ": sentence encodes to zero tokens");
    s.tokens.insert(s.tokens.end(), ids.begin(), ids.end());
    s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
  }
  return s;
}

// Before anything slow: the output is a file name in a writable folder, not one of the inputs (`sst-prep
// --data-dir d --output d/train.tsv` replaced its own input), and not a symbolic link.
void check_output_path(const std::string& output, const std::string& data_dir, InputFormat format) {
  if (output.empty()) throw UserError("output path is empty");
  fs::path out(output);
  std::error_code ec;
  if (fs::is_directory(out, ec)) throw UserError("output " + output + " is a directory (expected a .h5 file path)");
  if (!out.has_filename()) throw UserError("output " + output + " does not name a file");
  std::vector<std::string> inputs;
  for (const char* name : {"train", "dev", "test"})
    inputs.push_back((fs::path(data_dir) / (name + std::string(extension(format)))).string());
  refuse_output_over_input(output, inputs, "--output " + output);
  refuse_symlink(output, "--output " + output);
  ensure_writable_dir(out.has_parent_path() ? out.parent_path().string() : ".");
}

// "3: 'neg' = 0, 'neutral' = 1, 'pos' = 2" (the first 10 only).
std::string class_list(const std::vector<std::string>& names) {
  std::string out = std::to_string(names.size()) + ":";
  for (size_t k = 0; k < names.size() && k < 10; ++k) out += (k ? ", '" : " '") + names[k] + "' = " + std::to_string(k);
  return out + (names.size() > 10 ? ", ..." : "");
}

}  // namespace

PrepSummary run_prep(const PrepOptions& opts, std::ostream& log) {
  const auto t0 = SteadyClock::now();
  std::error_code ec;
  if (!fs::is_directory(opts.data_dir, ec)) throw UserError("data directory " + opts.data_dir + " does not exist");
  check_output_path(opts.output, opts.data_dir, opts.format);

  // Read and validate every input before the slow training, so a bad dev/test line fails fast.
  std::vector<Source> sources;
  for (const char* name : {"train", "dev", "test"}) {
    std::string path = (fs::path(opts.data_dir) / (std::string(name) + extension(opts.format))).string();
    if (std::string(name) == "test" && !fs::exists(path, ec)) {
      log << "note: " << path << " not found; writing no test split\n";
      continue;
    }
    Source src = read_source(name, path, opts.format);
    if (src.data.size() == 0) throw UserError(path + ": no examples after the header");
    if (src.name != "test" && !src.data.labeled)
      throw UserError(path + ": header has no 'label' column (the " + src.name + " split must be labeled)");
    sources.push_back(std::move(src));
  }

  const std::vector<std::string> class_names = assign_classes(sources, opts.format);
  sst::dataset::TokenizerInfo info = dataset::train_tokenizer(sources[0].data.sentences, opts.tokenizer);
  dataset::Tokenizer tok(info.model_proto);

  std::vector<sst::dataset::Split> splits;
  splits.reserve(sources.size());
  for (const Source& src : sources) splits.push_back(encode_split(src, tok));

  const std::string created_by = "sst-prep (model_type=" + enum_name(opts.tokenizer.model_type) +
                                 ", vocab_size=" + std::to_string(opts.tokenizer.vocab_size) +
                                 ", seed=" + std::to_string(opts.tokenizer.seed) + ")";
  sst::dataset::write_dataset_file(opts.output, info, splits, created_by, class_names);

  PrepSummary sum;
  for (const auto& s : splits) sum.splits.push_back({s.name, s.num_examples(), static_cast<int64_t>(s.tokens.size())});
  sum.vocab_size = info.vocab_size;
  sum.class_names = class_names;
  sum.output = opts.output;
  sum.seconds = seconds_since(t0);

  log << "tokenizer: " << info.type << ", vocab size " << info.vocab_size << " (requested " << opts.tokenizer.vocab_size
      << ")\n";
  if (opts.format != InputFormat::kSst2) log << "classes: " << class_list(class_names) << "\n";
  for (const auto& s : sum.splits)
    log << "  " << std::left << std::setw(6) << s.name << std::right << std::setw(8) << s.examples << " examples "
        << std::setw(10) << s.tokens << " tokens\n";
  log << "wrote " << sum.output << " in " << std::fixed << std::setprecision(1) << sum.seconds << " s\n";
  return sum;
}

}  // namespace sst::prep
