#include "train/metrics.h"
#include "common/clock.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/files.h"

namespace sst {

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

namespace {

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// The record's numbers as TensorBoard scalars tagged "KIND/FIELD" (the step and clocks are the event's own).
std::vector<std::pair<std::string, double>> scalars_of(const nlohmann::json& record) {
  const std::string kind = record.value("kind", std::string("metrics"));
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [key, value] : record.items())
    if (value.is_number() && key != "step" && key != "elapsed_s")
      out.emplace_back(kind + "/" + key, value.get<double>());
  return out;
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path, int64_t resume_step, const std::string& tensorboard_dir) : path_(path) {
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::ostringstream kept;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      try {
        auto j = nlohmann::json::parse(line);
        if (j.value("step", int64_t{0}) <= resume_step) kept << line << "\n";
      } catch (const nlohmann::json::exception&) {
        // a line cut by a crash: drop it
      }
    }
    write_text_atomically(path, kept.str());
  }
  out_ = std::make_unique<AppendFile>(path);
  if (!tensorboard_dir.empty())
    events_ = std::make_unique<tensorboard::EventWriter>(tensorboard_dir, resume_step,
                                                         unix_seconds(std::chrono::system_clock::now()));
}

void MetricsLog::write(nlohmann::json record, double elapsed_s) {
  const auto now = std::chrono::system_clock::now();
  record["time"] = iso8601_utc(now);
  record["elapsed_s"] = elapsed_s;
  const int err = out_->append(record.dump() + "\n");
  if (err != 0 && error_.empty())
    error_ = "cannot write metrics file " + path_ + ": " + write_error_text(err, path_, /*partial_file=*/false);
  if (events_) events_->write_scalars(record.value("step", int64_t{0}), unix_seconds(now), scalars_of(record));
}

void MetricsLog::check() const {
  if (!error_.empty()) throw UserError(error_);
  if (events_ && !events_->error().empty()) throw UserError(events_->error());
}

Progress::Progress(const std::string& log_path, int64_t total_steps, int64_t start_step)
    : live_(::isatty(STDERR_FILENO)), total_(total_steps), start_(start_step), t0_(SteadyClock::now()) {
  log_ = std::make_unique<AppendFile>(log_path);
}

void Progress::update(int64_t step, double loss, double tokens_per_s, double lr) {
  double elapsed = seconds_since(t0_);
  double rate = (step - start_) / std::max(elapsed, 1e-9);
  double eta = rate > 0 ? (total_ - step) / rate : 0.0;
  char buf[200];
  std::snprintf(buf, sizeof(buf), "step %lld/%lld  loss %.4f  lr %.2e  %.0f tok/s  ETA %dm%02ds",
                static_cast<long long>(step), static_cast<long long>(total_), loss, lr, tokens_per_s,
                static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  if (live_) {
    std::cerr << "\r" << buf << "\033[K" << std::flush;
    line_open_ = true;
  } else {
    std::cerr << buf << "\n";
  }
  log_->append(std::string(buf) + "\n");
}

void Progress::message(const std::string& line) {
  if (line_open_) std::cerr << "\r\033[K";
  std::cerr << line << "\n";
  line_open_ = false;
  log_->append(line + "\n");
}

void Progress::finish() {
  if (line_open_) std::cerr << "\n";
  line_open_ = false;
}

}  // namespace sst
