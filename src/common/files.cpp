#include "common/files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace fs = std::filesystem;

namespace sst {
namespace {

std::string to_hex(const unsigned char* d, unsigned n) {
  static const char* k = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (unsigned i = 0; i < n; ++i) {
    s[2 * i] = k[d[i] >> 4];
    s[2 * i + 1] = k[d[i] & 15];
  }
  return s;
}

struct Sha256 {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  Sha256() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void update(const void* p, size_t n) { EVP_DigestUpdate(ctx.get(), p, n); }
  std::string hex() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx.get(), d, &n);
    return to_hex(d, n);
  }
};

}  // namespace

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read " + path + ": " + std::strerror(errno));
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  return h.hex();
}

std::string sha256_bytes(const void* data, size_t n) {
  Sha256 h;
  h.update(data, n);
  return h.hex();
}

bool fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  errno = err;
  return ok;
}

bool process_alive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

std::string host_name() {
  char host[256] = {0};
  return ::gethostname(host, sizeof(host) - 1) == 0 ? host : "";
}

std::string write_error_text(int err, const std::string& path, bool partial_file) {
  std::string text = std::strerror(err);
  if (err != ENOSPC && err != EDQUOT) return text;
  fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return text;
  // `path` is a partial file that is about to be removed: its space counts as free.
  std::error_code ec;
  const auto partial = partial_file && fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  const double free_kb =
      (static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize) + static_cast<double>(ec ? 0 : partial)) /
      1024.0;
  char buf[96];
  if (free_kb < 10 * 1024)
    std::snprintf(buf, sizeof buf, " (%.0f KB free on its file system)", free_kb);
  else
    std::snprintf(buf, sizeof buf, " (%.1f MB free on its file system)", free_kb / 1024.0);
  return text + buf;
}

void refuse_symlink(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return;
  std::error_code ec;
  const std::string target = fs::read_symlink(path, ec).string();
  throw UserError("cannot write " + (what.empty() ? path : what) + ": it is a symbolic link" +
                  (ec ? std::string() : " (to " + target + ")") + "; refusing to write through it");
}

CheckedFile::CheckedFile(const std::string& path, const std::string& shown_as)
    : path_(path), shown_as_(shown_as.empty() ? path : shown_as) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0 && errno == ELOOP) refuse_symlink(path, shown_as_);
  if (fd_ < 0) fail(errno);
}

CheckedFile::~CheckedFile() {
  if (fd_ >= 0) ::close(fd_);
}

void CheckedFile::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail(errno);
    if (w == 0) fail(ENOSPC);
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void CheckedFile::finish() {
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
}

void CheckedFile::fail(int err) const {
  throw UserError("cannot write " + shown_as_ + ": " + write_error_text(err, path_));
}

namespace {

constexpr const char* kTmpTag = ".tmp.";

// ".NAME.tmp.HOST.PID": unique per process and host, so concurrent writers (ranks, sweep points, nodes
// on a shared file system) never share a temporary, and a stale one can be told from a live one.
std::string temporary_name(const std::string& target) {
  return "." + target + kTmpTag + host_name() + "." + std::to_string(::getpid());
}

// Removes whatever is at `path` (a leftover of an earlier process with our pid, or a planted link)
// without following it; throws UserError when something is there and cannot be removed.
void clear_name(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw UserError("cannot remove " + path + " before writing it: " + std::strerror(errno));
}

// The writer of a temporary `name` (of `target`, or of any file when `target` is empty) if it ran on
// this host (or on any host, with `any_host`): its pid; -1 otherwise. Names from before the host was
// recorded (".NAME.tmp.PID") count as this host's.
long writer_of(const std::string& name, const std::string& target, bool any_host) {
  const std::string prefix = "." + target;
  if (name.size() < 2 || name[0] != '.' || name.compare(0, prefix.size(), prefix) != 0) return -1;
  const size_t tag = name.rfind(kTmpTag);
  if (tag == std::string::npos || tag < prefix.size() || (!target.empty() && tag != prefix.size())) return -1;
  const std::string tail = name.substr(tag + std::strlen(kTmpTag));
  const size_t dot = tail.rfind('.');
  const std::string pid = dot == std::string::npos ? tail : tail.substr(dot + 1);
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) return -1;
  if (!any_host && dot != std::string::npos && tail.substr(0, dot) != host_name()) return -1;
  return std::stol(pid);
}

}  // namespace

int remove_stale_temporaries(const std::string& dir, const std::string& target_name, bool any_host) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = writer_of(it->path().filename().string(), target_name, any_host);
    if (pid < 0 || (!any_host && process_alive(pid))) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  refuse_symlink(path);
  remove_stale_temporaries(dir.string(), target.filename().string());
  const std::string tmp = temporary_path(path);
  clear_name(tmp);  // the writer (HDF5, gnuplot) may open it by name: nothing of anyone else's is there
  try {
    write(tmp);
    if (!fsync_path(tmp)) throw UserError("cannot write " + path + ": " + write_error_text(errno, tmp));
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) throw UserError("cannot rename " + tmp + " to " + path + ": " + ec.message());
    fsync_path(dir.string());  // best effort: not every file system syncs directories
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void write_text_atomically(const std::string& path, const std::string& contents) {
  write_atomically(path, [&](const std::string& tmp) {
    CheckedFile out(tmp, path);
    out.write(contents.data(), contents.size());
    out.finish();
  });
}

std::string temporary_path(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  return (dir / temporary_name(target.filename().string())).string();
}

void create_fresh_file(const std::string& path) {
  clear_name(path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw UserError("cannot create " + path + ": " + write_error_text(errno, path, false));
  ::close(fd);
}

AppendFile::AppendFile(const std::string& path) {
  // O_NONBLOCK: a FIFO planted at the name must not block the open; it is refused just below.
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd_ < 0 && errno == ELOOP) refuse_symlink(path);
  struct stat st {};
  if (fd_ < 0 && errno == ENXIO && ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))  // a FIFO, no reader
    throw UserError("cannot write " + path + ": it is not a regular file");
  if (fd_ < 0) throw UserError("cannot write " + path + ": " + write_error_text(errno, path, false));
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw UserError("cannot write " + path + ": it is not a regular file");
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);  // back to blocking writes
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

int AppendFile::append(const std::string& text) {
  const char* p = text.data();
  size_t n = text.size();
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno;
    if (w == 0) return ENOSPC;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

void ensure_writable_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UserError("cannot create output directory " + dir + ": " + ec.message());
  std::string probe = (fs::path(dir) / (".write_probe." + std::to_string(::getpid()))).string();
  ::unlink(probe.c_str());  // O_EXCL below: a link planted at the probe's name is never followed
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw UserError("output directory " + dir + " is not writable: " + std::strerror(errno));
  ::close(fd);
  fs::remove(probe, ec);
}

void refuse_output_over_input(const std::string& output, const std::vector<std::string>& inputs,
                              const std::string& what) {
  std::error_code ec;
  for (const auto& input : inputs)
    if (fs::equivalent(output, input, ec) && !ec)  // follows links; false when either is missing
      throw UserError((what.empty() ? "output " + output : what) + " is the input " + input +
                      " (the same file); refusing to replace an input with an output");
}

StagedDir::StagedDir(const std::string& dir, const std::string& name) : dir_(dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = writer_of(it->path().filename().string(), name, false);
    std::error_code rm;
    if (pid > 0 && !process_alive(pid) && fs::is_directory(fs::symlink_status(it->path(), rm)))
      fs::remove_all(it->path(), rm);
  }
  path_ = temporary_path((fs::path(dir) / name).string());
  clear_name(path_);
  if (::mkdir(path_.c_str(), 0755) != 0)
    throw UserError("cannot create " + path_ + ": " + write_error_text(errno, path_, false));
}

StagedDir::~StagedDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

void StagedDir::commit(const std::vector<std::string>& inputs) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) throw UserError("cannot list " + path_ + ": " + ec.message());
  for (const auto& name : names) {  // every check before the first move: all or nothing
    const std::string final_path = (fs::path(dir_) / name).string();
    refuse_symlink(final_path);
    refuse_output_over_input(final_path, inputs);
  }
  for (const auto& name : names) {
    fs::rename(fs::path(path_) / name, fs::path(dir_) / name, ec);
    if (ec) throw UserError("cannot move " + name + " from " + path_ + " to " + dir_ + ": " + ec.message());
  }
  fs::remove(path_, ec);
  path_.clear();
  fsync_path(dir_);  // best effort, as write_atomically
}

void ensure_output_dir(const std::string& dir) {
  ensure_writable_dir(dir);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) refuse_symlink(it->path().string());
}

}  // namespace sst
