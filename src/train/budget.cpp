#include "train/budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <filesystem>

#include "common/error.h"
#include "common/text.h"
#include "rundir/run_dir.h"

namespace sst {

std::vector<double> parse_budget_list(const std::string& list, const std::string& key) {
  std::vector<double> out;
  for (const auto& item : text::split_list(list)) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v) || !(v > 0))
      throw UserError("config: " + key + ": '" + item + "' is not a positive number");
    out.push_back(v);
  }
  return out;
}

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

[[noreturn]] void too_long(const std::string& what, double steps) {
  throw UserError("config: " + what + " means about " + num(steps) + " optimizer steps, more than the limit of " +
                  num(static_cast<double>(kMaxRunSteps)) + " steps per run");
}

// The mean non-pad tokens of a step, over the first epoch's steps (at most 10000 of them: cheap).
double mean_step_tokens(int64_t batches_per_epoch, const StepTokens& step_tokens) {
  const int64_t n = std::clamp<int64_t>(batches_per_epoch, 1, 10000);
  double sum = 0;
  for (int64_t s = 0; s < n; ++s) sum += static_cast<double>(step_tokens(s));
  return sum / static_cast<double>(n);
}

}  // namespace

int64_t steps_for_tokens(double tokens, const StepTokens& step_tokens) {
  int64_t steps = 0;
  double sum = 0;
  while (sum < tokens || steps == 0) {
    if (steps >= kMaxRunSteps) too_long("a budget of " + num(tokens) + " tokens", static_cast<double>(steps));
    const int64_t t = step_tokens(steps++);
    if (t <= 0) throw UserError("budget: a step of the train subset has no tokens");
    sum += static_cast<double>(t);
  }
  return steps;
}

double budget_in_tokens(const TrainConfig& t, double value, int64_t n_params) {
  if (t.max_flops > 0) {
    if (n_params <= 0) throw UserError("config: train.max_flops needs a model with non-embedding parameters");
    return value / (6.0 * static_cast<double>(n_params));
  }
  return value;
}

RunLength run_length(const TrainConfig& t, int64_t batches_per_epoch, const StepTokens& step_tokens, int64_t n_params) {
  RunLength r;
  if (t.max_steps > 0) {
    r.steps = t.max_steps;
  } else if (t.max_tokens > 0 || t.max_flops > 0) {
    r.budget_tokens = budget_in_tokens(t, t.max_flops > 0 ? t.max_flops : static_cast<double>(t.max_tokens), n_params);
    r.budget_flops = 6.0 * static_cast<double>(n_params) * r.budget_tokens;
    // Estimated before counting: the count visits every step, and would not end for an absurd budget.
    const double estimate = r.budget_tokens / std::max(1.0, mean_step_tokens(batches_per_epoch, step_tokens));
    if (estimate > 1.01 * static_cast<double>(kMaxRunSteps))
      too_long(t.max_flops > 0 ? "train.max_flops = " + num(t.max_flops) + " (" + num(r.budget_tokens) + " tokens)"
                               : "train.max_tokens = " + std::to_string(t.max_tokens),
               estimate);
    r.steps = steps_for_tokens(r.budget_tokens, step_tokens);
  } else {
    const double steps = t.epochs * static_cast<double>(batches_per_epoch);
    if (!(steps <= static_cast<double>(kMaxRunSteps)))  // also catches what llround would overflow
      too_long("train.epochs = " + num(t.epochs) + " (" + std::to_string(batches_per_epoch) + " steps per epoch)",
               steps);
    r.steps = std::max<int64_t>(1, std::llround(steps));
  }
  return r;
}

LrSchedule make_schedule(const TrainConfig& t, int64_t total_steps) {
  LrSchedule s{t.lr, t.min_lr_ratio, t.warmup_steps, total_steps};
  s.kind = t.schedule;
  s.cooldown = t.cooldown;
  if (t.schedule == ScheduleKind::kWsd) s.decay_steps = wsd_decay_steps(total_steps, t.warmup_steps, t.decay_fraction);
  return s;
}

std::vector<int64_t> snapshot_steps(const TrainConfig& t, const StepTokens& step_tokens, int64_t n_params) {
  std::vector<int64_t> steps;
  if (t.snapshot_budgets.empty()) return steps;
  for (double b : parse_budget_list(t.snapshot_budgets, "train.snapshot_budgets")) {
    const int64_t total = steps_for_tokens(budget_in_tokens(t, b, n_params), step_tokens);
    steps.push_back(make_schedule(t, total).decay_start());
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

std::string branch_snapshot_path(const TrainConfig& t, const LrSchedule& schedule) {
  return rundir::RunDir(t.branch_from).snapshot(schedule.decay_start());
}

std::string branch_snapshot(const TrainConfig& t, const LrSchedule& schedule) {
  std::string path = branch_snapshot_path(t, schedule);
  if (!std::filesystem::is_regular_file(path))
    throw UserError("train.branch_from: " + path +
                    " does not exist: the parent run must have this run's budget in its train.snapshot_budgets and "
                    "have trained past step " +
                    std::to_string(schedule.decay_start()) + " (same data, batch, model and seed)");
  return path;
}

}  // namespace sst
