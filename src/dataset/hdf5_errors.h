// How the dataset file's code keeps HDF5's own error reporting from the user: a failure's stack is
// captured on the calling thread (never printed) and turned into one line with its cause. Internal to
// src/dataset (included by dataset_file.cpp only).
#pragma once
#include <H5Cpp.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/files.h"

namespace sst::dataset {

// HDF5 reports a failure as a stack of messages from the API call down to the cause (a system call's
// errno, a bad signature), many lines long, and the C++ API throws with the API call's name only.
// While one of these is alive, the first failure's stack is kept and turned into one line: the
// cause, with the free space when the disk is full. (Destructors of later objects would clear the
// stack before a catch block could read it.)
class Hdf5ErrorCapture {
 public:
  explicit Hdf5ErrorCapture(std::string path) : path_(std::move(path)) {
    H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_);
    H5Eset_auto2(H5E_DEFAULT, &Hdf5ErrorCapture::on_error, this);
  }
  ~Hdf5ErrorCapture() { H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_); }
  Hdf5ErrorCapture(const Hdf5ErrorCapture&) = delete;
  Hdf5ErrorCapture& operator=(const Hdf5ErrorCapture&) = delete;

  // "No space left on device (12 KB free on its file system)", or `fallback` (the C++ API's message)
  // if no failure was seen.
  std::string text(const std::string& fallback) const {
    if (errno_ > 0) return write_error_text(errno_, path_);
    return cause_.empty() ? fallback : fallback + ": " + cause_;
  }

 private:
  static herr_t on_error(hid_t stack, void* self) {
    auto* c = static_cast<Hdf5ErrorCapture*>(self);
    if (c->cause_.empty()) H5Ewalk2(stack, H5E_WALK_DOWNWARD, &Hdf5ErrorCapture::on_entry, c);
    return 0;
  }
  static herr_t on_entry(unsigned, const H5E_error2_t* e, void* self) {
    auto* c = static_cast<Hdf5ErrorCapture*>(self);
    std::string desc = e->desc ? e->desc : "";
    const size_t at = desc.find("errno = ");
    if (at != std::string::npos) c->errno_ = std::atoi(desc.c_str() + at + 8);
    desc = desc.substr(0, desc.find_first_of(",\n"));  // the innermost message's first clause
    if (!desc.empty()) c->cause_ = desc;
    return 0;
  }

  std::string path_, cause_;
  int errno_ = 0;
  H5E_auto2_t old_func_ = nullptr;
  void* old_data_ = nullptr;
};

// Every read after opening goes through here. HDF5 prints its whole error stack (~20 lines) on a
// failure unless told not to, and in a thread-safe build (Debian's) that setting is per thread: the
// batch prefetch thread, which reads with data.preload = false, never had it turned off. So each read
// captures the stack on its own thread (Hdf5ErrorCapture, nothing printed) and a failure (the file
// truncated or rewritten while a run reads it) becomes one line naming the file, what was read and
// the cause. Holds the file's lock (DatasetFile::io_mutex_).
template <typename F>
auto read_guarded(const std::string& path, std::recursive_mutex& mutex, const std::string& what, F&& read) {
  std::lock_guard<std::recursive_mutex> lock(mutex);
  Hdf5ErrorCapture errors(path);
  try {
    return read();
  } catch (const H5::Exception& e) {
    throw UserError(path + ": cannot read " + what + ": " + errors.text(e.getDetailMsg()) +
                    " (was the file changed while in use?)");
  }
}

}  // namespace sst::dataset
