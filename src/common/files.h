// File helpers shared by every binary: atomic replace (temp file + fsync + rename) with every write,
// fsync and close checked, appending to a log, the clean-up of temporaries that dead writers left
// behind, SHA-256, directories, and the free space of a file system for error messages.
//
// No write follows a symbolic link: a link planted at an output's name (by another user, in a shared
// run directory, while we run as root) would otherwise make us truncate or replace its target. Every
// file a binary creates or replaces goes through the helpers below, which refuse a link at the final
// name (refuse_symlink) and open what they write with O_NOFOLLOW (and temporaries with O_EXCL).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace sst {

// Hex SHA-256 of a file's bytes (OpenSSL EVP). Throws UserError if the file cannot be read.
std::string sha256_file(const std::string& path);
// Hex SHA-256 of an in-memory buffer.
std::string sha256_bytes(const void* data, size_t n);
inline std::string sha256_bytes(const std::string& bytes) { return sha256_bytes(bytes.data(), bytes.size()); }

// Throws UserError "cannot write PATH: it is a symbolic link (to TARGET); refusing to write through it"
// when `path` is a symbolic link (dangling or not). `what` replaces "PATH" in the message when given.
void refuse_symlink(const std::string& path, const std::string& what = "");

// A file opened for writing (O_NOFOLLOW: a link at `path` is refused, see refuse_symlink) whose every write, fsync and
// close is checked: a failure throws UserError "cannot write NAME: <reason>" (with the free space left when the disk is
// full), NAME being `shown_as` (the final name of a temporary) or the path. The destructor closes without checking;
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

// The temporary name write_atomically uses for `path`: ".NAME.tmp.HOST.PID" in the same directory.
std::string temporary_path(const std::string& path);
// Creates `path` as a new, empty regular file of ours (O_CREAT | O_EXCL | O_NOFOLLOW) after removing
// whatever is at that name: for a temporary that another program (gnuplot) then fills by name.
void create_fresh_file(const std::string& path);

// A log appended to line by line (metrics.jsonl, train.log): opened with O_APPEND | O_NOFOLLOW, and
// refused unless it is a regular file (a link, a FIFO or a device at its name is never written).
class AppendFile {
 public:
  explicit AppendFile(const std::string& path);  // throws UserError "cannot write PATH: ..."
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  // Appends `text` whole; returns 0, or the errno of the failed write (the caller decides when to throw).
  int append(const std::string& text);

 private:
  int fd_ = -1;
};

// A command's outputs, all or nothing: written into a temporary folder inside `dir`
// (dir/.NAME.tmp.HOST.PID), then commit() moves each file into `dir`. Without commit() (an exception on
// the way), the temporary folder and everything in it is removed and `dir` is as it was: a failed
// `sst-analyze fit` leaves no figures without their fit.json. Folders of dead writers are removed.
class StagedDir {
 public:
  StagedDir(const std::string& dir, const std::string& name);
  ~StagedDir();
  StagedDir(const StagedDir&) = delete;
  StagedDir& operator=(const StagedDir&) = delete;
  const std::string& path() const { return path_; }
  // Moves every file to `dir`, after checking them all: none may land on a symbolic link or on one of
  // `inputs` (refuse_symlink, refuse_output_over_input).
  void commit(const std::vector<std::string>& inputs = {});

 private:
  std::string dir_, path_;
};

// Removes the temporaries of write_atomically in `dir` whose writer (a process on this host) is gone;
// returns how many. For every target when `target_name` is empty, else only that file's. With
// `any_host`, every temporary goes, whichever host wrote it: for a caller that holds the directory's
// lock, so that no other writer can be alive.
int remove_stale_temporaries(const std::string& dir, const std::string& target_name = "", bool any_host = false);

// "No space left on device (12 KB free on its file system)" for errno `err` of a write to `path`; other
// errors are strerror(err) alone. With `partial_file`, `path` is a partial file about to be removed,
// whose size counts as free.
std::string write_error_text(int err, const std::string& path, bool partial_file = true);

// Outputs never replace inputs: throws UserError "OUTPUT is the input INPUT (the same file); refusing to
// replace an input with an output" when `output` is one of `inputs` (the same file: the same path, a
// link to it, or a hard link), `output` shown as `what` ("--output out.h5") when given.
void refuse_output_over_input(const std::string& output, const std::vector<std::string>& inputs,
                              const std::string& what = "");

// Creates `dir` (and parents) and checks that a file can be created in it; throws UserError naming it.
void ensure_writable_dir(const std::string& dir);
// ensure_writable_dir for a folder every file of which a command writes (sst-analyze's --output), plus a
// refusal (refuse_symlink's message) when an entry of it is a symbolic link: checked before anything is
// written, so a link at any output name leaves the whole folder as it was.
void ensure_output_dir(const std::string& dir);

// fsync a file or directory by path; false (errno set) if it could not be opened or synced.
bool fsync_path(const std::string& path);

// Whether process `pid` exists on this host.
bool process_alive(long pid);

// This host's name (gethostname), "" if unknown.
std::string host_name();

}  // namespace sst
