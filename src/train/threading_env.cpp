#include "train/threading_env.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>

namespace sst {
namespace {

// Set (to the names of the variables sst-train added) in the re-executed process: never exec twice.
constexpr const char* kMarker = "SST_TRAIN_SET_ENV";

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// Cores this process may run on (Slurm and mpirun bindings narrow it), not the machine's.
int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1U, std::thread::hardware_concurrency());
}

// Ranks on this node, from the launcher's environment (MPI is not started yet): OpenMPI, MPICH, Slurm.
int local_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}) {
    if (const char* v = env(name)) {
      char* end = nullptr;
      long n = std::strtol(v, &end, 10);
      if (end != v && *end == '\0' && n > 0) return static_cast<int>(n);
    }
  }
  return 1;
}

}  // namespace

int default_threads_per_rank(int argc, const char* const* argv, int cores, int local_ranks) {
  const std::string key = "--train.threads";
  for (int i = 1; i < argc; ++i) {
    std::string value;
    if (std::strncmp(argv[i], "--train.threads=", key.size() + 1) == 0)
      value = argv[i] + key.size() + 1;
    else if (argv[i] == key && i + 1 < argc)
      value = argv[i + 1];
    else
      continue;
    char* end = nullptr;
    long n = std::strtol(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0' && n > 0 && n <= 4096) return static_cast<int>(n);
  }
  return std::max(1, cores / std::max(1, local_ranks));
}

void ensure_threading_environment(int argc, char** argv) {
  if (env(kMarker) != nullptr) return;
  std::string added;
  if (env("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    added += "OMP_WAIT_POLICY";
  }
  if (env("OPENBLAS_NUM_THREADS") == nullptr) {
    int threads = default_threads_per_rank(argc, argv, usable_cores(), local_ranks());
    setenv("OPENBLAS_NUM_THREADS", std::to_string(threads).c_str(), 1);
    added += added.empty() ? "OPENBLAS_NUM_THREADS" : ",OPENBLAS_NUM_THREADS";
  }
  if (added.empty()) return;
  setenv(kMarker, added.c_str(), 1);
  // The binary's own path, not /proc/self/exe: the process keeps its name ("sst-train" in ps, top and
  // /proc/PID/stat, where launchers and tests look for it).
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) execv(self.c_str(), argv);
  // Only reached when the exec failed: go on with what the process loaded with.
  std::fprintf(stderr, "sst-train: warning: could not restart with %s set (%s); training may be slower\n",
               added.c_str(), error ? error.message().c_str() : std::strerror(errno));
  std::fflush(stderr);
}

std::string threading_environment_summary() {
  const char* added = env(kMarker);
  std::string out;
  for (const char* name : {"OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS"}) {
    const char* v = env(name);
    if (!out.empty()) out += ' ';
    out += std::string(name) + "=" + (v != nullptr ? v : "(unset)");
    const bool ours = added != nullptr && std::strstr(added, name) != nullptr;
    out += ours ? " (set by sst-train)" : v != nullptr ? " (yours)" : "";
  }
  return out;
}

}  // namespace sst
