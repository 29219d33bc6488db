// The hostile-input catalogue (tests/hostile/): one table per binary (test_prep.cpp, test_train.cpp,
// test_sweep.cpp, test_analyze.cpp) of bad inputs and bad situations, and the one check every row gets:
//   - the expected exit code, before a deadline: a hang is a failure (the process group is killed);
//   - exactly one line "<tool>...: error: ..." containing every expected part (for an MPI job: one such
//     line in its output, and no MPI_ABORT);
//   - the directory the row watches is exactly as it was: nothing overwritten, nothing left behind
//     (no partial output, no temporary, no directory created).
// Plus the fixtures the rows share: a tiny real dataset and run, a small tmpfs for full-disk cases.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sst::test {

// Every file, directory and symbolic link below a path with the SHA-256 of each file (a link by its
// target's name, not followed); two snapshots compare.
class Snapshot {
 public:
  static Snapshot of(const std::string& path);
  // "" when equal, else which paths were added, removed or changed.
  std::string difference_to(const Snapshot& later) const;

 private:
  std::map<std::string, std::string> entries_;  // relative path -> sha256 ("<dir>" for directories)
};

struct Outcome {
  int exit_code = -1;  // 128 + signal when killed
  bool timed_out = false;
  std::string out, err;
  std::string all() const { return out + err; }
};

// Runs argv[0] (a path, or a name on PATH) with `argv` and extra environment "K=V" entries, stdin from
// /dev/null, in its own process group; after `seconds` the whole group is killed.
Outcome run_with_deadline(const std::vector<std::string>& argv, double seconds,
                          const std::vector<std::string>& env = {});
// The same for a command line run by /bin/sh (for launch scripts and pipelines).
Outcome run_shell_with_deadline(const std::string& command, double seconds);

// A process started in the background (its own process group, output to files); killed with its
// children on destruction if still running.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  int pid() const { return pid_; }
  // The exit status once it has ended within `seconds`, else nullopt (still running).
  std::optional<int> wait_for(double seconds);
  std::string out() const;  // stdout so far
  std::string err() const;  // stderr so far
  std::string output() const { return out() + err(); }

 private:
  std::string out_, err_;
  int pid_ = -1;
  std::optional<int> status_;
};

// Waits until `done()` holds, checking every 50 ms; false after `seconds`.
bool wait_until(const std::function<bool()>& done, double seconds);

// The row's check (see the top of this file); `tool` is the prefix of the error line, e.g. "sst-prep".
// With `mpi`, the output may hold mpirun's own report besides the one error line.
void expect_refused(const Outcome& r, int exit_code, const std::string& tool, const std::vector<std::string>& parts,
                    bool mpi = false);

// sst-prep's output for small generated TSVs (96 train, 24 dev, 8 test sentences, vocabulary <= 200),
// made once per build tree. Read only: a row that damages data copies it first.
std::string tiny_dataset();
// The same TSVs tokenized with a BPE model of the same vocabulary size as tiny_dataset()'s
// (`sst-prep --model-type bpe --vocab-size N`, checked in test_train_identity.cpp):
// data a run trained on tiny_dataset() must not continue on. Made once per build tree.
std::string tiny_dataset_bpe();
// The TSV folder tiny_dataset() was made from (train.tsv, dev.tsv, test.tsv).
std::string tiny_tsv_dir();
// A finished 2-step run of a tiny model on tiny_dataset() (its run directory), made once per build tree.
std::string tiny_run();
// The INI of that tiny model and budget.
std::string tiny_ini_text();

// "mpirun -np N --bind-to none [--oversubscribe]" as argv, and the environment it needs as root.
std::vector<std::string> mpirun_argv(int ranks);
std::vector<std::string> mpirun_env();

}  // namespace sst::test
