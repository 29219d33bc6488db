// The lock of a run directory: one sst-train process writes a run directory at a time. The lock is an
// flock() on RUN_DIR/.lock, which holds "HOST PID" of its holder for the message a second run gets.
// The kernel releases the lock when the holder exits, however it exits (kill -9 included), so a lock
// file left by a dead process is stale and simply taken over; on a clean exit the file is removed.
// Works on local file systems and on NFS (where Linux maps flock to NFS byte-range locks).
#pragma once
#include <optional>
#include <string>

#include "rundir/run_dir.h"

namespace sst::rundir {

class RunLock {
 public:
  // Creates the directory if needed and takes the lock, or throws UserError naming the holder.
  explicit RunLock(const RunDir& dir);
  ~RunLock();  // removes the lock file, then the directory if this lock created it and it is empty
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // "HOST PID" of a holder that died without releasing, when this lock took over its file.
  const std::optional<std::string>& stale_holder() const { return stale_holder_; }

 private:
  std::string root_, path_;
  int fd_ = -1;
  bool created_dir_ = false;
  std::optional<std::string> stale_holder_;
};

// Throws UserError when a name sst-train writes in `dir` is a symbolic link: a file (config.ini,
// metrics.jsonl, train.log, summary.json, a checkpoint, the manifest) or the checkpoints/ or snapshots/
// folder. Called with the lock held, before the run is accepted, so a link planted in a run directory
// refuses the run instead of sending a write (as root, perhaps) to the link's target.
void refuse_links(const RunDir& dir);

}  // namespace sst::rundir
