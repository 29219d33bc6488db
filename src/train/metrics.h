// Rank 0's outputs while training: metrics.jsonl (one JSON object per line, "kind": "train" or
// "eval", each stamped with its wall-clock "time" and the run's "elapsed_s"), the same numbers as
// TensorBoard scalars when asked (output.tensorboard), a human progress line (live on a terminal,
// plain periodic lines otherwise) and train.log.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "common/files.h"
#include "train/tensorboard_writer.h"

namespace sst {

class MetricsLog {
 public:
  // On resume, lines of steps after `resume_step` (written after the checkpoint we resume from)
  // are dropped, so every step appears exactly once. A non-empty `tensorboard_dir` also writes each
  // record's numbers as TensorBoard scalars "KIND/FIELD" into a new event file there.
  MetricsLog(const std::string& path, int64_t resume_step, const std::string& tensorboard_dir = "");
  // Appends one line: `record` plus "time" (now, ISO-8601 UTC) and "elapsed_s" (the run's training wall
  // time so far, across resumes). A failed write (a full disk) is remembered, not thrown: only rank 0
  // writes metrics, so the failure is raised by check() where every rank agrees on it.
  void write(nlohmann::json record, double elapsed_s);
  // Throws UserError if a write failed since the log was opened.
  void check() const;

 private:
  std::string path_;
  std::unique_ptr<AppendFile> out_;  // O_NOFOLLOW: never written through a planted link
  std::unique_ptr<tensorboard::EventWriter> events_;
  std::string error_;
};

// "2026-03-01T12:00:00.250Z": `t` in UTC to the millisecond.
std::string iso8601_utc(std::chrono::system_clock::time_point t);

class Progress {
 public:
  Progress(const std::string& log_path, int64_t total_steps, int64_t start_step);
  void update(int64_t step, double loss, double tokens_per_s, double lr);
  void message(const std::string& line);  // a full line, on the terminal and in the log
  void finish();

 private:
  bool live_;
  int64_t total_, start_;
  std::chrono::steady_clock::time_point t0_;
  std::unique_ptr<AppendFile> log_;  // O_NOFOLLOW; its write errors are ignored (metrics.jsonl is the record)
  bool line_open_ = false;
};

}  // namespace sst
