#include "dataset/dataset_file.h"

#include <H5Cpp.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"

namespace sst::dataset {
namespace {

// ---- small typed helpers over the HDF5 C++ API --------------------------------------------------

template <typename T>
const H5::PredType& h5type();
template <>
const H5::PredType& h5type<int32_t>() {
  return H5::PredType::NATIVE_INT32;
}
template <>
const H5::PredType& h5type<int64_t>() {
  return H5::PredType::NATIVE_INT64;
}
template <>
const H5::PredType& h5type<int8_t>() {
  return H5::PredType::NATIVE_INT8;
}
template <>
const H5::PredType& h5type<uint8_t>() {
  return H5::PredType::NATIVE_UINT8;
}

void write_str_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType t(H5::PredType::C_S1, std::max<size_t>(1, value.size()));
  H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR));
  a.write(t, value);
}

template <typename T>
void write_num_attr(H5::H5Object& obj, const std::string& name, T value) {
  H5::Attribute a = obj.createAttribute(name, h5type<T>(), H5::DataSpace(H5S_SCALAR));
  a.write(h5type<T>(), &value);
}

std::string read_str_attr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute a = obj.openAttribute(name);
  std::string s;
  a.read(a.getStrType(), s);
  return s;
}

template <typename T>
T read_num_attr(const H5::H5Object& obj, const std::string& name) {
  T v{};
  obj.openAttribute(name).read(h5type<T>(), &v);
  return v;
}

// A 1-D dataset, chunked and compressed (shuffle + gzip) so large splits stay small on disk.
template <typename T>
void write_vector(H5::Group& g, const std::string& name, const std::vector<T>& v) {
  hsize_t n = v.size();
  H5::DataSpace space(1, &n);
  H5::DSetCreatPropList props;
  hsize_t chunk = std::clamp<hsize_t>(n, 1, 1 << 16);
  props.setChunk(1, &chunk);
  props.setShuffle();
  props.setDeflate(4);
  H5Pset_obj_track_times(props.getId(), false);  // no timestamps: same inputs, same bytes
  H5::DataSet ds = g.createDataSet(name, h5type<T>(), space, props);
  if (n > 0) ds.write(v.data(), h5type<T>());
}

template <typename T>
std::vector<T> read_vector(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  H5::DataSpace space = ds.getSpace();
  if (space.getSimpleExtentNdims() != 1) throw UserError("dataset " + name + " is not 1-D");
  hsize_t n = 0;
  space.getSimpleExtentDims(&n);
  std::vector<T> v(n);
  if (n > 0) ds.read(v.data(), h5type<T>());
  return v;
}

std::string split_group(const std::string& split) { return "/splits/" + split; }

}  // namespace

void write_dataset_file(const std::string& path, const TokenizerInfo& tok, const std::vector<Split>& splits,
                        const std::string& created_by) {
  H5::Exception::dontPrint();
  write_atomically(path, [&](const std::string& tmp) {
    try {
      H5::H5File f(tmp, H5F_ACC_TRUNC);
      write_str_attr(f, "format", kFormatName);
      write_num_attr<int32_t>(f, "schema_version", kSchemaVersion);
      write_str_attr(f, "created_by", created_by);

      H5::Group tg = f.createGroup("/tokenizer");
      write_vector<uint8_t>(tg, "model", std::vector<uint8_t>(tok.model_proto.begin(), tok.model_proto.end()));
      write_str_attr(tg, "type", tok.type);
      write_num_attr<int32_t>(tg, "vocab_size", tok.vocab_size);
      write_num_attr<int32_t>(tg, "pad_id", tok.pad_id);
      write_num_attr<int32_t>(tg, "unk_id", tok.unk_id);
      write_num_attr<int32_t>(tg, "cls_id", tok.cls_id);
      write_num_attr<int32_t>(tg, "eos_id", tok.eos_id);

      f.createGroup("/splits");
      for (const Split& s : splits) {
        H5::Group g = f.createGroup(split_group(s.name));
        write_vector(g, "tokens", s.tokens);
        write_vector(g, "offsets", s.offsets);
        write_vector(g, "labels", s.labels);
        write_num_attr<int64_t>(g, "num_examples", s.num_examples());
        write_num_attr<int64_t>(g, "num_tokens", static_cast<int64_t>(s.tokens.size()));
        write_str_attr(g, "source_file", s.source_file);
        write_str_attr(g, "source_sha256", s.source_sha256);
      }
      f.close();
    } catch (const H5::Exception& e) {
      throw UserError("cannot write HDF5 file " + path + ": " + e.getDetailMsg());
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
    if (v != kSchemaVersion)
      throw UserError(path + " has schema version " + std::to_string(v) + ", this build reads version " +
                      std::to_string(kSchemaVersion) + " (re-run sst-prep)");
    H5::Group tg = file_->openGroup("/tokenizer");
    auto bytes = read_vector<uint8_t>(tg, "model");
    tokenizer_.model_proto.assign(bytes.begin(), bytes.end());
    tokenizer_.type = read_str_attr(tg, "type");
    tokenizer_.vocab_size = read_num_attr<int32_t>(tg, "vocab_size");
    tokenizer_.pad_id = read_num_attr<int32_t>(tg, "pad_id");
    tokenizer_.unk_id = read_num_attr<int32_t>(tg, "unk_id");
    tokenizer_.cls_id = read_num_attr<int32_t>(tg, "cls_id");
    tokenizer_.eos_id = read_num_attr<int32_t>(tg, "eos_id");
  } catch (const H5::Exception& e) {
    throw UserError(path + " is malformed: " + e.getDetailMsg());
  }
}

DatasetFile::~DatasetFile() = default;

bool DatasetFile::has_split(const std::string& split) const {
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
  return file_->nameExists("/splits") && file_->openGroup("/splits").nameExists(split);
}

std::vector<int64_t> DatasetFile::read_offsets(const std::string& split) const {
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  auto off = read_vector<int64_t>(file_->openGroup(split_group(split)), "offsets");
  for (size_t i = 1; i < off.size(); ++i)
    if (off[i] < off[i - 1]) throw UserError(path_ + ": split '" + split + "' has decreasing offsets");
  if (off.empty() || off[0] != 0) throw UserError(path_ + ": split '" + split + "' has malformed offsets");
  return off;
}

std::vector<int8_t> DatasetFile::read_labels(const std::string& split) const {
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  return read_vector<int8_t>(file_->openGroup(split_group(split)), "labels");
}

std::string DatasetFile::source_sha256(const std::string& split) const {
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  return read_str_attr(file_->openGroup(split_group(split)), "source_sha256");
}

std::vector<std::vector<int32_t>> DatasetFile::read_examples(const std::string& split,
                                                             const std::vector<int64_t>& offsets,
                                                             const std::vector<int64_t>& ids) const {
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
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
    try {
      H5::DataSpace mem(1, &total);
      ds.read(buf.data(), H5::PredType::NATIVE_INT32, mem, file_space);
    } catch (const H5::Exception& e) {
      throw UserError(path_ + ": cannot read tokens of split '" + split + "': " + e.getDetailMsg());
    }
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
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  return read_vector<int32_t>(file_->openGroup(split_group(split)), "tokens");
}

Split DatasetFile::read_split(const std::string& split) const {
  std::lock_guard<std::recursive_mutex> lock(io_mutex_);
  if (!has_split(split)) throw UserError(path_ + " has no split '" + split + "'");
  H5::Group g = file_->openGroup(split_group(split));
  Split s;
  s.name = split;
  s.tokens = read_tokens(split);
  s.offsets = read_offsets(split);
  s.labels = read_vector<int8_t>(g, "labels");
  s.source_file = read_str_attr(g, "source_file");
  s.source_sha256 = read_str_attr(g, "source_sha256");
  if (s.offsets.size() != s.labels.size() + 1 || s.offsets.back() != static_cast<int64_t>(s.tokens.size()))
    throw UserError(path_ + ": split '" + split + "' has inconsistent offsets/labels/tokens sizes");
  return s;
}

}  // namespace sst::dataset
