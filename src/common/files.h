// File helpers shared by every binary: atomic replace (temp file + fsync + rename) with every write,
// fsync and close checked, the clean-up of temporaries that dead writers left behind, SHA-256,
// directories, and the free space of a file system for error messages.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

namespace sst {

// Hex SHA-256 of a file's bytes (OpenSSL EVP). Throws UserError if the file cannot be read.
std::string sha256_file(const std::string& path);
// Hex SHA-256 of an in-memory buffer.
std::string sha256_bytes(const void* data, size_t n);
inline std::string sha256_bytes(const std::string& bytes) { return sha256_bytes(bytes.data(), bytes.size()); }

// A file opened for writing whose every write, fsync and close is checked: a failure throws
// UserError "cannot write NAME: <reason>" (with the free space left when the disk is full), NAME being
// `shown_as` (the final name of a temporary) or the path. The destructor closes without checking;
// call finish() on the success path.
class CheckedFile {
 public:
  explicit CheckedFile(const std::string& path, const std::string& shown_as = "");  // created or truncated
  ~CheckedFile();
  CheckedFile(const CheckedFile&) = delete;
  CheckedFile& operator=(const CheckedFile&) = delete;
  void write(const void* data, size_t n);
  void finish();  // fsync + close

 private:
  [[noreturn]] void fail(int err) const;
  std::string path_, shown_as_;
  int fd_ = -1;
};

// Writes `path` atomically: `write` fills a temporary file next to it (same directory, so the rename
// is atomic), which is fsync'ed and renamed over `path`. On any exception the temporary is removed and
// `path` is left as it was: a failure never leaves a partial file. `write` must check its own writes
// (CheckedFile, or a library's close status); the fsync is checked here. Temporaries of the same
// target that dead writers on this host left behind are removed first.
void write_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write);
// Convenience: atomically replace `path` with `contents`.
void write_text_atomically(const std::string& path, const std::string& contents);

// Removes the temporaries of write_atomically in `dir` whose writer (a process on this host) is gone;
// returns how many. For every target when `target_name` is empty, else only that file's. With
// `any_host`, every temporary goes, whichever host wrote it: for a caller that holds the directory's
// lock, so that no other writer can be alive.
int remove_stale_temporaries(const std::string& dir, const std::string& target_name = "", bool any_host = false);

// "No space left on device (12 KB free on its file system)" for errno `err` of a write to `path`; other
// errors are strerror(err) alone. With `partial_file`, `path` is a partial file about to be removed,
// whose size counts as free.
std::string write_error_text(int err, const std::string& path, bool partial_file = true);

// Creates `dir` (and parents) and checks that a file can be created in it; throws UserError naming it.
void ensure_writable_dir(const std::string& dir);

// fsync a file or directory by path; false (errno set) if it could not be opened or synced.
bool fsync_path(const std::string& path);

// Whether process `pid` exists on this host.
bool process_alive(long pid);

// This host's name (gethostname), "" if unknown.
std::string host_name();

}  // namespace sst
