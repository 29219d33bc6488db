// A job (mpirun, or any command) run in the background with its output in a log file, for the tests that
// act on a job while it runs (signals, killed ranks or nodes): its exit status with a deadline, waiting
// for its training progress, and SIGKILL to whatever is left of it. Every wait has a deadline.
#pragma once
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "test_support.h"

namespace sst::test {

using Clock = std::chrono::steady_clock;

inline double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Train records of a metrics.jsonl that may be being appended to (a cut last line is ignored).
inline int64_t last_logged_step(const std::string& metrics_path) {
  std::ifstream in(metrics_path);
  std::string line;
  int64_t step = 0;
  while (std::getline(in, line)) {
    try {
      auto j = nlohmann::json::parse(line);
      if (j.value("kind", "") == "train") step = std::max<int64_t>(step, j.value("step", int64_t{0}));
    } catch (const nlohmann::json::exception&) {
    }
  }
  return step;
}

// mpirun started in the background (sh execs it, so pid is mpirun's own pid), output to a log file.
// The destructor SIGKILLs whatever is still alive of it (its sst-train children first).
class BackgroundJob {
 public:
  BackgroundJob(const std::string& cmd, const std::string& log) : log_(log) {
    const std::string line = "exec env " + cmd + " >" + sh_quote(log) + " 2>&1";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    t0_ = Clock::now();
  }
  ~BackgroundJob() { kill_all(); }

  pid_t pid() const { return pid_; }
  std::string output() const { return std::filesystem::exists(log_) ? read_text(log_) : ""; }

  // The sst-train processes that mpirun started, by rank (OMPI_COMM_WORLD_RANK in their environment).
  // OpenMPI 4 forks local ranks directly from mpirun, so they are its children.
  std::map<int, pid_t> ranks() const {
    std::map<int, pid_t> out;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(e.path() / "stat");
      std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      auto close = s.rfind(')');
      if (close == std::string::npos || s.find("(sst-train)") == std::string::npos) continue;
      std::istringstream rest(s.substr(close + 2));
      char state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      if (ppid != pid_) continue;
      std::ifstream env(e.path() / "environ", std::ios::binary);
      std::string var;
      while (std::getline(env, var, '\0'))
        if (var.rfind("OMPI_COMM_WORLD_RANK=", 0) == 0) out[std::stoi(var.substr(21))] = std::stoi(name);
    }
    return out;
  }

  // Exit status of mpirun (128 + signal if killed), or nullopt if it is still running after `seconds`.
  std::optional<int> wait_for(double seconds) {
    if (exit_code_) return exit_code_;
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (true) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      if (Clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Waits until metrics.jsonl shows at least `step` logged steps; false if the job ended or the time ran out.
  bool wait_for_step(const std::string& metrics_path, int64_t step, double seconds) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
      if (last_logged_step(metrics_path) >= step) return true;
      if (wait_for(0)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void kill_all() {
    if (pid_ <= 0 || exit_code_) return;
    for (auto [rank, pid] : ranks()) ::kill(pid, SIGKILL);
    ::kill(pid_, SIGKILL);
    wait_for(10);
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  Clock::time_point t0_;
};

}  // namespace sst::test
