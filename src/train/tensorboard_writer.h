// TensorBoard scalar event files (output.tensorboard): one file per sst-train process in
// RUN_DIR/tensorboard/, named events.out.tfevents.SECONDS.HOST.PID as TensorBoard expects. Each record
// is a TFRecord frame (length, masked CRC-32C of the length, the serialized Event, masked CRC-32C of
// it); the Event messages are tensorboard_event.proto's. Torch-free.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/files.h"

namespace sst::tensorboard {

// The CRC-32C (Castagnoli) of `data`, masked as TFRecord frames store it.
uint32_t masked_crc32c(const std::string& data);
// One TFRecord frame around `payload`.
std::string frame_record(const std::string& payload);

class EventWriter {
 public:
  // Creates `dir` and a new event file in it, and writes the file-version record. A run resumed after
  // step `resume_step` > 0 also writes a session-start record at resume_step + 1: TensorBoard's reader
  // then drops the values of earlier files' steps after resume_step, as metrics.jsonl drops its lines.
  // Throws UserError naming the path if the folder or file cannot be made, or `dir` is a symbolic link.
  EventWriter(const std::string& dir, int64_t resume_step, double wall_time);
  // Appends one event of scalars (tag, value) at `step`. A failed write is remembered, not thrown.
  void write_scalars(int64_t step, double wall_time, const std::vector<std::pair<std::string, double>>& scalars);
  const std::string& path() const { return path_; }
  // The first write error since the file was opened ("" if none).
  const std::string& error() const { return error_; }

 private:
  void append(const std::string& serialized_event);
  std::string path_;
  std::unique_ptr<AppendFile> out_;
  std::string error_;
};

}  // namespace sst::tensorboard
