#include "train/tensorboard_writer.h"

#include <unistd.h>

#include <boost/crc.hpp>

#include <stdexcept>

#include "common/error.h"
#include "train/tensorboard_event.pb.h"

namespace sst::tensorboard {

uint32_t masked_crc32c(const std::string& data) {
  // CRC-32C: the Castagnoli polynomial, reflected, all-ones initial value and final XOR.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data.data(), data.size());
  const uint32_t c = crc.checksum();
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;  // TFRecord's mask: a CRC of data that holds CRCs stays useful
}

namespace {

std::string little_endian(uint64_t v, int bytes) {
  std::string s(bytes, '\0');
  for (int i = 0; i < bytes; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string serialized(const Event& e) {
  std::string out;
  if (!e.SerializeToString(&out)) throw std::runtime_error("tensorboard: cannot serialize an event");
  return out;
}

}  // namespace

std::string frame_record(const std::string& payload) {
  const std::string length = little_endian(payload.size(), 8);
  return length + little_endian(masked_crc32c(length), 4) + payload + little_endian(masked_crc32c(payload), 4);
}

EventWriter::EventWriter(const std::string& dir, int64_t resume_step, double wall_time) {
  refuse_symlink(dir, "the TensorBoard folder " + dir);  // never written through a planted link
  ensure_writable_dir(dir);
  std::string host = host_name();
  if (host.empty()) host = "localhost";
  path_ = dir + "/events.out.tfevents." + std::to_string(static_cast<int64_t>(wall_time)) + "." + host + "." +
          std::to_string(::getpid());
  out_ = std::make_unique<AppendFile>(path_);
  Event version;
  version.set_wall_time(wall_time);
  version.set_file_version("brain.Event:2");
  append(serialized(version));
  if (resume_step > 0) {
    Event start;
    start.set_wall_time(wall_time);
    start.set_step(resume_step + 1);
    start.mutable_session_log()->set_status(SessionLog::START);
    append(serialized(start));
  }
}

void EventWriter::write_scalars(int64_t step, double wall_time,
                                const std::vector<std::pair<std::string, double>>& scalars) {
  Event e;
  e.set_wall_time(wall_time);
  e.set_step(step);
  for (const auto& [tag, value] : scalars) {
    SummaryValue* v = e.mutable_summary()->add_value();
    v->set_tag(tag);
    v->set_simple_value(static_cast<float>(value));
  }
  append(serialized(e));
}

void EventWriter::append(const std::string& serialized_event) {
  const int err = out_->append(frame_record(serialized_event));
  if (err != 0 && error_.empty())
    error_ = "cannot write TensorBoard events " + path_ + ": " + write_error_text(err, path_, /*partial_file=*/false);
}

}  // namespace sst::tensorboard
