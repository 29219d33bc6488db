#include "rundir/run_dir.h"

#include <cstdio>

namespace sst::rundir {

bool is_finished(RunStatus s) { return s == RunStatus::kCompleted || s == RunStatus::kEarlyStopped; }

std::string RunDir::step_checkpoint_name(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof(name), "step_%08lld.pt", static_cast<long long>(step));
  return name;
}

std::optional<int64_t> RunDir::step_of_checkpoint_name(const std::string& name) {
  long long step = -1;
  int consumed = 0;
  if (std::sscanf(name.c_str(), "step_%8lld.pt%n", &step, &consumed) != 1) return std::nullopt;
  if (consumed != static_cast<int>(name.size()) || step < 0 || name.size() != 16) return std::nullopt;
  return step;
}

}  // namespace sst::rundir
