#include "dataset/dataset_file.h"

#include <H5Cpp.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"
#include "dataset/class_labels.h"
#include "dataset/hdf5_errors.h"
#include "dataset/hdf5_io.h"

namespace sst::dataset {
namespace {

using hdf5::close_quietly;
using hdf5::for_each_block;
using hdf5::read_num_attr;
using hdf5::read_str_attr;
using hdf5::read_vector;
using hdf5::write_num_attr;
using hdf5::write_str_attr;
using hdf5::write_vector;

std::string split_group(const std::string& split) { return "/splits/" + split; }

// The splits sst-train learns and is evaluated on: every example has a label.
bool must_be_labeled(const std::string& split) { return split == "train" || split == "dev"; }

// Class names are stored as one string attribute, one name per line.
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "\n") + n;
  return out;
}

void check_class_names(const std::vector<std::string>& names, const std::string& where) {
  const int k = static_cast<int>(names.size());
  if (k < 2 || k > kMaxClasses)
    throw UserError(where + ": " + std::to_string(k) + " classes (expected 2 to " + std::to_string(kMaxClasses) + ")");
  for (const std::string& n : names) {
    const bool control = std::any_of(n.begin(), n.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (n.empty() || control) throw UserError(where + ": a class name is empty or holds a control character");
  }
}

}  // namespace

void write_dataset_file(const std::string& path, const TokenizerInfo& tok, const std::vector<Split>& splits,
                        const std::string& created_by, const std::vector<std::string>& class_names) {
  check_class_names(class_names, "cannot write " + path);
  H5::Exception::dontPrint();
  write_atomically(path, [&](const std::string& tmp) {
    Hdf5ErrorCapture errors(tmp);
    std::unique_ptr<H5::H5File> file;
    try {
      // SEMI: closing the file fails while any object is still open, instead of leaving the file
      // open (and its last writes pending) until the library shuts down at exit.
      H5::FileAccPropList access;
      access.setFcloseDegree(H5F_CLOSE_SEMI);
      // EXCL (O_EXCL): write_atomically cleared the name, so a link planted there is never followed.
      file = std::make_unique<H5::H5File>(tmp, H5F_ACC_EXCL, H5::FileCreatPropList::DEFAULT, access);
      H5::H5File& f = *file;
      write_str_attr(f, "format", kFormatName);
      write_num_attr<int32_t>(f, "schema_version", kSchemaVersion);
      write_str_attr(f, "created_by", created_by);
      write_num_attr<int32_t>(f, "num_classes", static_cast<int32_t>(class_names.size()));
      write_str_attr(f, "class_names", join_names(class_names));

      H5::Group tg = f.createGroup("/tokenizer");
      write_vector<uint8_t>(tg, "model", std::vector<uint8_t>(tok.model_proto.begin(), tok.model_proto.end()));
      write_str_attr(tg, "model_sha256", sha256_bytes(tok.model_proto));
      for_each_tokenizer_field(tok, [&](const char* name, const auto& v) {
        if constexpr (kIsTokenizerId<decltype(v)>)
          write_num_attr<int32_t>(tg, name, v);
        else
          write_str_attr(tg, name, v);
      });
      tg.close();

      f.createGroup("/splits").close();
      for (const Split& s : splits) {
        H5::Group g = f.createGroup(split_group(s.name));
        write_vector(g, "tokens", s.tokens);
        write_vector(g, "offsets", s.offsets);
        write_vector(g, "labels", s.labels);
        write_num_attr<int64_t>(g, "num_examples", s.num_examples());
        write_num_attr<int64_t>(g, "num_tokens", static_cast<int64_t>(s.tokens.size()));
        write_str_attr(g, "source_file", s.source_file);
        write_str_attr(g, "source_sha256", s.source_sha256);
        g.close();
      }
      f.flush(H5F_SCOPE_GLOBAL);
      f.close();  // the last pending writes happen here: checked like any other
    } catch (const H5::Exception& e) {
      if (file) close_quietly(*file);
      throw UserError("cannot write HDF5 file " + path + ": " + errors.text(e.getDetailMsg()));
    }
  });
}

DatasetFile::DatasetFile(const std::string& path) : path_(path) {
  H5::Exception::dontPrint();
  if (!std::filesystem::exists(path)) throw UserError("dataset file " + path + " does not exist");
  try {
    if (!H5::H5File::isHdf5(path)) throw UserError(path + " is not an HDF5 file (expected the output of sst-prep)");
    file_ = std::make_unique<H5::H5File>(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception& e) {
    throw UserError("cannot open " + path + ": " + e.getDetailMsg());
  }
  try {
    if (!file_->attrExists("format") || read_str_attr(*file_, "format") != kFormatName)
      throw UserError(path + " is not an " + std::string(kFormatName) + " file (no matching 'format' attribute)");
    int32_t v = read_num_attr<int32_t>(*file_, "schema_version");
    if (v < kOldestSchemaVersion || v > kSchemaVersion)
      throw UserError(path + " has schema version " + std::to_string(v) + ", this build reads versions " +
                      std::to_string(kOldestSchemaVersion) + " to " + std::to_string(kSchemaVersion) +
                      " (re-run sst-prep)");
    schema_version_ = v;
    read_classes();
    H5::Group tg = file_->openGroup("/tokenizer");
    auto bytes = read_vector<uint8_t>(tg, "model");
    tokenizer_.model_proto.assign(bytes.begin(), bytes.end());
    for_each_tokenizer_field(tokenizer_, [&](const char* name, auto& field) {
      if constexpr (kIsTokenizerId<decltype(field)>)
        field = read_num_attr<int32_t>(tg, name);
      else
        field = read_str_attr(tg, name);
    });
    validate_tokenizer(tg);
    if (file_->nameExists("/splits")) {
      H5::Group splits = file_->openGroup("/splits");
      for (hsize_t i = 0; i < splits.getNumObjs(); ++i) validate_split(splits.getObjnameByIdx(i));
    }
  } catch (const H5::Exception& e) {
    throw UserError(path + " is malformed: " + e.getDetailMsg());
  }
}

void DatasetFile::read_classes() {
  if (schema_version_ < 2) {  // version 1 held SST-2 only
    class_names_ = {"0", "1"};
    return;
  }
  const int32_t k = read_num_attr<int32_t>(*file_, "num_classes");
  std::string joined = read_str_attr(*file_, "class_names");
  class_names_.clear();
  for (size_t start = 0;;) {
    const size_t nl = joined.find('\n', start);
    class_names_.push_back(joined.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (static_cast<int32_t>(class_names_.size()) != k)
    throw UserError(path_ + ": num_classes = " + std::to_string(k) + " but class_names has " +
                    std::to_string(class_names_.size()) + " names");
  check_class_names(class_names_, path_);
}

void DatasetFile::validate_tokenizer(const H5::Group& tg) const {
  const auto& t = tokenizer_;
  if (t.model_proto.empty()) throw UserError(path_ + ": the tokenizer model (/tokenizer/model) is empty");
  // Files written before the digest was recorded have none; their blob is checked when it is loaded.
  if (tg.attrExists("model_sha256") && read_str_attr(tg, "model_sha256") != sha256_bytes(t.model_proto))
    throw UserError(path_ + ": the tokenizer model (/tokenizer/model) is damaged (SHA-256 differs from model_sha256)");
  if (t.vocab_size < 1) throw UserError(path_ + ": /tokenizer vocab_size = " + std::to_string(t.vocab_size));
  for (auto [name, id] :
       {std::pair{"pad_id", t.pad_id}, {"unk_id", t.unk_id}, {"cls_id", t.cls_id}, {"eos_id", t.eos_id}})
    if (id < 0 || id >= t.vocab_size)
      throw UserError(path_ + ": /tokenizer " + name + " = " + std::to_string(id) + " is outside the vocabulary [0, " +
                      std::to_string(t.vocab_size) + ")");
}

// Offsets, labels and every token id of one split, so that no later read can meet a bad value (an
// out-of-range id would otherwise surface as a LibTorch trace deep inside the model, or never).
void DatasetFile::validate_split(const std::string& split) const {
  const std::string where = path_ + ": split '" + split + "'";
  H5::Group g = file_->openGroup(split_group(split));
  const auto offsets = read_vector<int64_t>(g, "offsets");
  const auto labels = read_vector<int8_t>(g, "labels");
  H5::DataSet tokens = g.openDataSet("tokens");
  H5::DataSpace space = tokens.getSpace();
  if (space.getSimpleExtentNdims() != 1) throw UserError(where + ": tokens is not 1-D");
  hsize_t num_tokens = 0;
  space.getSimpleExtentDims(&num_tokens);
  if (offsets.size() != labels.size() + 1)
    throw UserError(where + " has " + std::to_string(labels.size()) + " labels but " + std::to_string(offsets.size()) +
                    " offsets (expected one more offset than labels)");
  if (offsets[0] != 0) throw UserError(where + ": offsets[0] = " + std::to_string(offsets[0]) + " (expected 0)");
  for (size_t i = 1; i < offsets.size(); ++i)
    if (offsets[i] < offsets[i - 1])
      throw UserError(where + ": offsets[" + std::to_string(i) + "] = " + std::to_string(offsets[i]) + " < offsets[" +
                      std::to_string(i - 1) + "] = " + std::to_string(offsets[i - 1]) + " (offsets must not decrease)");
  if (offsets.back() != static_cast<int64_t>(num_tokens))
    throw UserError(where + ": its offsets end at " + std::to_string(offsets.back()) + " but it has " +
                    std::to_string(num_tokens) + " tokens");
  const int k = num_classes();
  const std::string ids = k == 2 ? "0 or 1" : "0 .. " + std::to_string(k - 1);
  const std::string ids_or_unlabeled = k == 2 ? "0, 1 or -1 for unlabeled" : ids + " or -1 for unlabeled";
  for (size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    if ((label >= 0 && label < k) || (label == -1 && !must_be_labeled(split))) continue;
    throw UserError(where + ": example " + std::to_string(i) + " has label " + std::to_string(label) + " (expected " +
                    (must_be_labeled(split) ? ids : ids_or_unlabeled) + ")");
  }
  const int32_t vocab = tokenizer_.vocab_size;
  for_each_block(tokens, num_tokens, [&](int64_t first, const std::vector<int32_t>& ids) {
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] >= 0 && ids[k] < vocab) continue;
      const int64_t pos = first + static_cast<int64_t>(k);
      const auto example = std::upper_bound(offsets.begin(), offsets.end(), pos) - offsets.begin() - 1;
      throw UserError(where + ": example " + std::to_string(example) + " has token id " + std::to_string(ids[k]) +
                      " (position " + std::to_string(pos - offsets[example]) + "), outside the vocabulary [0, " +
                      std::to_string(vocab) + ")");
    }
  });
}

DatasetFile::~DatasetFile() = default;

bool DatasetFile::has_split(const std::string& split) const {
  return read_guarded(path_, io_mutex_, "its splits",
                      [&] { return file_->nameExists("/splits") && file_->openGroup("/splits").nameExists(split); });
}

std::vector<int64_t> DatasetFile::read_offsets(const std::string& split) const {
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  auto off = read_guarded(path_, io_mutex_, "the offsets of split '" + split + "'",
                          [&] { return read_vector<int64_t>(file_->openGroup(split_group(split)), "offsets"); });
  for (size_t i = 1; i < off.size(); ++i)
    if (off[i] < off[i - 1]) throw UserError(path_ + ": split '" + split + "' has decreasing offsets");
  if (off.empty() || off[0] != 0) throw UserError(path_ + ": split '" + split + "' has malformed offsets");
  return off;
}

std::vector<int8_t> DatasetFile::read_labels(const std::string& split) const {
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  return read_guarded(path_, io_mutex_, "the labels of split '" + split + "'",
                      [&] { return read_vector<int8_t>(file_->openGroup(split_group(split)), "labels"); });
}

std::string DatasetFile::source_sha256(const std::string& split) const {
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  return read_guarded(path_, io_mutex_, "the source of split '" + split + "'",
                      [&] { return read_str_attr(file_->openGroup(split_group(split)), "source_sha256"); });
}

std::vector<std::vector<int32_t>> DatasetFile::read_examples(const std::string& split,
                                                             const std::vector<int64_t>& offsets,
                                                             const std::vector<int64_t>& ids) const {
  return read_guarded(path_, io_mutex_, "tokens of split '" + split + "'",
                      [&] { return read_examples_unguarded(split, offsets, ids); });
}

std::vector<std::vector<int32_t>> DatasetFile::read_examples_unguarded(const std::string& split,
                                                                       const std::vector<int64_t>& offsets,
                                                                       const std::vector<int64_t>& ids) const {
  // Select each distinct example once (a hyperslab union holds a repeated range once), read the
  // union in file order, then hand every requested position its example.
  std::vector<int64_t> unique(ids);
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  H5::DataSet ds = file_->openGroup(split_group(split)).openDataSet("tokens");
  H5::DataSpace file_space = ds.getSpace();
  file_space.selectNone();
  hsize_t total = 0;
  std::vector<hsize_t> start_in_buf(unique.size());
  for (size_t u = 0; u < unique.size(); ++u) {
    int64_t id = unique[u];
    if (id < 0 || id + 1 >= static_cast<int64_t>(offsets.size()))
      throw UserError("example " + std::to_string(id) + " out of range in split " + split);
    hsize_t start = offsets[id], count = offsets[id + 1] - offsets[id];
    if (count > 0) file_space.selectHyperslab(H5S_SELECT_OR, &count, &start);
    start_in_buf[u] = total;
    total += count;
  }
  std::vector<int32_t> buf(total);
  if (total > 0) {
    H5::DataSpace mem(1, &total);
    ds.read(buf.data(), H5::PredType::NATIVE_INT32, mem, file_space);
  }
  std::vector<std::vector<int32_t>> out(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    size_t u = std::lower_bound(unique.begin(), unique.end(), ids[k]) - unique.begin();
    auto begin = buf.begin() + static_cast<std::ptrdiff_t>(start_in_buf[u]);
    out[k].assign(begin, begin + (offsets[ids[k] + 1] - offsets[ids[k]]));
  }
  return out;
}

std::vector<int32_t> DatasetFile::read_tokens(const std::string& split) const {
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  return read_guarded(path_, io_mutex_, "tokens of split '" + split + "'",
                      [&] { return read_vector<int32_t>(file_->openGroup(split_group(split)), "tokens"); });
}

Split DatasetFile::read_split(const std::string& split) const {
  Split s;
  s.name = split;
  s.tokens = read_tokens(split);
  s.offsets = read_offsets(split);
  s.labels = read_labels(split);
  s.source_sha256 = source_sha256(split);
  s.source_file = read_guarded(path_, io_mutex_, "the source of split '" + split + "'",
                               [&] { return read_str_attr(file_->openGroup(split_group(split)), "source_file"); });
  if (s.offsets.size() != s.labels.size() + 1 || s.offsets.back() != static_cast<int64_t>(s.tokens.size()))
    throw UserError(path_ + ": split '" + split + "' has inconsistent offsets/labels/tokens sizes");
  return s;
}

}  // namespace sst::dataset
