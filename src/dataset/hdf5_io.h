// Small typed helpers over the HDF5 C++ API for the dataset file's code: scalar attributes, 1-D
// datasets (written chunked and compressed), block-wise reads, and closing objects in order. Internal
// to src/dataset (included by dataset_file.cpp only); the file's schema lives in dataset_file.cpp.
#pragma once
#include <H5Cpp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"

namespace sst::dataset::hdf5 {

// The HDF5 type of each integer type the file stores.
template <typename T>
const H5::PredType& h5type() {
  static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> || std::is_same_v<T, int8_t> ||
                    std::is_same_v<T, uint8_t>,
                "the dataset file stores int8, uint8, int32 and int64 only");
  if constexpr (std::is_same_v<T, int32_t>) return H5::PredType::NATIVE_INT32;
  if constexpr (std::is_same_v<T, int64_t>) return H5::PredType::NATIVE_INT64;
  if constexpr (std::is_same_v<T, int8_t>) return H5::PredType::NATIVE_INT8;
  if constexpr (std::is_same_v<T, uint8_t>) return H5::PredType::NATIVE_UINT8;
}

// Every object is closed explicitly and in order, so that a failed flush (a full disk) is an exception
// here rather than a message printed by a destructor, and the file is closed last. After a failure,
// close_quietly() releases an object without the destructor's second attempt printing a line.
template <typename H5Object>
void close_quietly(H5Object& o) {
  try {
    o.close();
  } catch (const H5::Exception&) {
    // the first failure is the one reported
  }
}

inline void write_str_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType t(H5::PredType::C_S1, std::max<size_t>(1, value.size()));
  H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR));
  a.write(t, value);
  a.close();
}

template <typename T>
void write_num_attr(H5::H5Object& obj, const std::string& name, T value) {
  H5::Attribute a = obj.createAttribute(name, h5type<T>(), H5::DataSpace(H5S_SCALAR));
  a.write(h5type<T>(), &value);
  a.close();
}

inline std::string read_str_attr(const H5::H5Object& obj, const std::string& name) {
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
  try {
    if (n > 0) ds.write(v.data(), h5type<T>());
  } catch (const H5::Exception&) {
    close_quietly(ds);
    throw;
  }
  ds.close();
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

// Calls fn(first_index, ids) for consecutive blocks of a 1-D int32 dataset, so a large split is checked
// without holding it all.
template <typename F>
void for_each_block(const H5::DataSet& ds, hsize_t n, F&& fn) {
  constexpr hsize_t kBlock = 1 << 20;
  std::vector<int32_t> buf;
  for (hsize_t start = 0; start < n; start += kBlock) {
    hsize_t count = std::min(kBlock, n - start);
    buf.resize(count);
    H5::DataSpace file_space = ds.getSpace();
    file_space.selectHyperslab(H5S_SELECT_SET, &count, &start);
    H5::DataSpace mem(1, &count);
    ds.read(buf.data(), H5::PredType::NATIVE_INT32, mem, file_space);
    fn(static_cast<int64_t>(start), buf);
  }
}

}  // namespace sst::dataset::hdf5
