#include "rundir/run_dir.h"

#include <array>
#include <cstdio>
#include <utility>

namespace sst::rundir {
namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 7> kNames{{
    {RunStatus::kCompleted, "completed"},
    {RunStatus::kEarlyStopped, "early_stopped"},
    {RunStatus::kPreempted, "preempted"},
    {RunStatus::kRunning, "running"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kInterrupted, "interrupted"},
    {RunStatus::kMissing, "missing"},
}};

}  // namespace

std::string to_string(RunStatus s) {
  for (const auto& [status, name] : kNames)
    if (status == s) return name;
  return "unknown";
}

std::optional<RunStatus> parse_status(std::string_view s) {
  for (const auto& [status, name] : kNames)
    if (s == name) return status;
  return std::nullopt;
}

bool is_finished(RunStatus s) { return s == RunStatus::kCompleted || s == RunStatus::kEarlyStopped; }

std::string all_statuses() {
  std::string out;
  for (const auto& [status, name] : kNames) out += (out.empty() ? "" : " | ") + std::string(name);
  return out;
}

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
