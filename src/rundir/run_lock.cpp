#include "rundir/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "common/files.h"
#include "common/text.h"

namespace fs = std::filesystem;

namespace sst::rundir {
namespace {

// flock(), not fcntl(): an fcntl lock is dropped as soon as the process closes ANY descriptor of the
// file (reading .lock to show its holder would release it); flock belongs to this open file only.
bool try_lock(int fd) { return ::flock(fd, LOCK_EX | LOCK_NB) == 0; }

std::string contents_of(int fd) {
  char buf[256] = {0};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? text::trim(std::string(buf, static_cast<size_t>(n))) : "";
}

// The lock file at `path` is still the one `fd` has open (not removed and re-created by a holder
// that was releasing it while we were taking it).
bool still_linked(int fd, const std::string& path) {
  struct stat a {
  }, b{};
  return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

bool is_regular(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

void refuse_links(const RunDir& dir) {
  for (const std::string& path : {dir.config_ini(), dir.metrics(), dir.train_log(), dir.summary(), dir.benchmark(),
                                  dir.checkpoints(), dir.snapshots()})
    refuse_symlink(path);
  for (const std::string& folder : {dir.checkpoints(), dir.snapshots()}) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
      refuse_symlink(it->path().string());
  }
}

RunLock::RunLock(const RunDir& dir) : root_(dir.root()), path_(dir.lock_file()) {
  std::error_code ec;
  created_dir_ = !fs::exists(root_, ec);
  ensure_writable_dir(root_);
  for (int attempt = 0; attempt < 10; ++attempt) {
    // O_NOFOLLOW: `ln -s VICTIM D/.lock` must not make us truncate VICTIM to our "HOST PID" line.
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0 && errno == ELOOP) refuse_symlink(path_, "the lock file " + path_);
    if (fd < 0) throw UserError("cannot create the lock file " + path_ + ": " + std::strerror(errno));
    if (!is_regular(fd)) {
      ::close(fd);
      throw UserError("cannot write the lock file " + path_ + ": it is not a regular file");
    }
    if (!try_lock(fd)) {
      const int err = errno;
      const std::string holder = contents_of(fd);
      ::close(fd);
      if (err != EWOULDBLOCK)
        throw UserError("cannot lock " + path_ + ": " + std::strerror(err) + " (does this file system support locks?)");
      throw UserError("run directory " + root_ + " is in use by another sst-train (" +
                      (holder.empty() ? std::string("holder unknown") : "host and pid: " + holder) + ", lock file " +
                      path_ + "); wait for it to finish or choose another --out-dir");
    }
    if (!still_linked(fd, path_)) {  // released and removed meanwhile: lock the new file instead
      ::close(fd);
      continue;
    }
    const std::string previous = contents_of(fd);
    if (!previous.empty()) stale_holder_ = previous;  // its holder is gone, or we could not have locked it
    const std::string me = host_name() + " " + std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
      const int err = errno;
      ::close(fd);
      throw UserError("cannot write the lock file " + path_ + ": " + write_error_text(err, path_));
    }
    fd_ = fd;
    return;
  }
  throw UserError("cannot lock " + path_ + ": it keeps being replaced by other processes");
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // Unlinked while still locked, so a process that opens the path from now on gets a new file.
  ::unlink(path_.c_str());
  ::close(fd_);
  std::error_code ec;
  if (created_dir_ && fs::is_empty(root_, ec)) fs::remove(root_, ec);
}

}  // namespace sst::rundir
