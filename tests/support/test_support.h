// Helpers shared by the tests: temporary directories, running the project's binaries (under
// mpirun), reading their JSON outputs, and the SST-2 HDF5 file prepared once per build.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "test_paths.h"

namespace sst::test {

// A fresh directory under the build tree's tmp/, removed on destruction unless SST_KEEP_TMP is set.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "tmp");
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // the command's exit status (128 + signal if killed)
  std::string output;  // stdout and stderr together
  double seconds = 0;
};

// Runs `cmd` through /bin/sh, capturing stdout+stderr.
CommandResult run_command(const std::string& cmd);

// A built binary's exit status with its stdout and stderr kept apart (for one-line-error checks).
struct ToolResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs bin(name) with `args` (each quoted), no shell interpretation of the arguments.
ToolResult run_tool(const std::string& name, const std::vector<std::string>& args);

// What every test run of sst-train adds, unless the test is about GPUs (label gpu) and says which device:
// train.device = auto would pick a GPU where one is present, and the CPU tests' expectations (exact
// equalities, timings) are the CPU's.
inline constexpr const char* kOnCpu = " --train.device=cpu";

// "mpirun -np N" with the flags this machine needs (root, oversubscription, no binding).
std::string mpirun(int ranks);
// Path of a built binary, e.g. bin("sst-train").
std::string bin(const std::string& name);
// Quotes for the shell.
std::string sh_quote(const std::string& s);

// SST2_DIR, or "" when unset (tests then GTEST_SKIP with a visible reason).
std::string sst2_dir();
// The real SST-2 tokenized once per build tree (vocab 8000, seed 1); "" without SST2_DIR.
std::string prepared_sst2();
// A small synthetic sentiment set in SST-2's format (4,000 train / 200 dev sentences over a 33-word
// vocabulary, labelled by their count of positive vs negative words), tokenized once per build tree
// with word tokens: for tests that need a dataset file where SST-2 may be absent (the GPU tests).
std::string synthetic_dataset();

// A tmpfs of `kb` KB mounted on a fresh directory, unmounted (and the directory removed) on
// destruction, also when the test fails. Needs root: otherwise available() is false and why() says why.
class Tmpfs {
 public:
  explicit Tmpfs(int kb);
  ~Tmpfs();
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool available() const { return mounted_; }
  const std::string& why() const { return why_; }
  const std::string& path() const { return path_; }
  // Fills the file system with a filler file until about `kb` KB are left.
  void leave_free_kb(int kb) const;
  long free_kb() const;

 private:
  std::string path_, why_;
  bool mounted_ = false;
};

std::vector<nlohmann::json> read_jsonl(const std::string& path);
nlohmann::json read_json(const std::string& path);
std::string read_text(const std::string& path);
// Overwrites 16 bytes in the middle of a file (a damaged checkpoint, say).
void corrupt_middle(const std::string& path);
// Writes `text` to `path` (creating its directory); throws on failure.
void write_text(const std::string& path, const std::string& text);

}  // namespace sst::test

#define SST_REQUIRE_SST2()                                                                   \
  do {                                                                                       \
    if (sst::test::sst2_dir().empty()) GTEST_SKIP() << "SST2_DIR is not set: no SST-2 data"; \
  } while (0)
