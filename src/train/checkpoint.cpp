#include "train/checkpoint.h"

#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <type_traits>
#include <utility>

#include "common/error.h"
#include "common/files.h"

namespace fs = std::filesystem;

namespace sst {
namespace {

// The content (metadata, tokenizer, parts) has been format 1 since the first release. Format 2 wraps it:
// the file is an archive of three entries, the content's serialized bytes and their SHA-256, so a
// checkpoint verifies itself without the manifest. Format 1 files (the content alone) still load.
constexpr int64_t kContentVersion = 1;
constexpr int64_t kWrappedFormat = 2;
constexpr const char* kFormatKey = "sst/format";
constexpr const char* kContentKey = "sst/content";
constexpr const char* kDigestKey = "sst/content_sha256";

torch::Tensor bytes_tensor(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

// Metadata is read on the host: a tensor in device memory (an archive mapped to a GPU) would hand the
// host a device pointer. The loader maps every archive to the host, so this only guards that.
torch::Tensor host_tensor(const torch::Tensor& t, const std::string& path, const char* key) {
  if (!t.device().is_cpu())
    throw UserError("checkpoint " + path + ": '" + key + "' is not in host memory (on " + t.device().str() +
                    "); metadata must be read from an archive mapped to the CPU");
  return t.contiguous();
}

std::string tensor_bytes(const torch::Tensor& t) {
  return std::string(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()));
}

// Field values as archive values: integers, doubles, strings, enums by name, and a list of names as
// one string of lines.
template <typename T>
c10::IValue to_ivalue(const T& v) {
  if constexpr (IsNamedEnum<T>::value)
    return c10::IValue(enum_name(v));
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string joined;
    for (size_t i = 0; i < v.size(); ++i) joined += (i ? "\n" : "") + v[i];
    return c10::IValue(joined);
  } else if constexpr (std::is_integral_v<T>)
    return c10::IValue(static_cast<int64_t>(v));  // the seed (uint64_t) keeps its bits
  else
    return c10::IValue(v);
}

template <typename T>
void from_ivalue(const c10::IValue& v, T& field, const std::string& path, const std::string& key) {
  auto wrong = [&](const char* what) { return UserError("checkpoint " + path + ": '" + key + "' is not " + what); };
  if constexpr (IsNamedEnum<T>::value) {
    auto parsed = v.isString() ? parse_enum<T>(v.toStringRef()) : std::nullopt;
    if (!parsed) throw wrong(("one of " + enum_choices<T>()).c_str());
    field = *parsed;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (!v.isString()) throw wrong("a string");
    field.clear();
    const std::string& joined = v.toStringRef();
    for (size_t start = 0; !joined.empty();) {
      const size_t nl = joined.find('\n', start);
      field.push_back(joined.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.isString()) throw wrong("a string");
    field = v.toStringRef();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.isDouble()) throw wrong("a number");
    field = v.toDouble();
  } else {
    if (!v.isInt()) throw wrong("an integer");
    field = static_cast<T>(v.toInt());
  }
}

// The one back-compat rule (MetaField::since_v1, ModelField::since_v1): a field the archive lacks
// keeps its default unless every checkpoint has it.
template <typename T>
void read_field(torch::serialize::InputArchive& ar, const std::string& key, bool since_v1, T& field,
                const std::string& path) {
  c10::IValue v;
  if (ar.try_read(key, v)) return from_ivalue(v, field, path, key);
  if (since_v1) throw UserError("checkpoint " + path + " lacks '" + key + "' (not an sst-train checkpoint?)");
}

void write_meta(torch::serialize::OutputArchive& ar, const CheckpointMeta& m) {
  ar.write("meta/version", c10::IValue(kContentVersion));
  for_each_meta_field(m, [&](const MetaField& f, const auto& v) { ar.write(f.key, to_ivalue(v)); });
  for_each_model_field(m.model, [&](const ModelField& f, const auto& v) {
    ar.write(std::string("model_config/") + f.name, to_ivalue(v));
  });
  ar.write("tokenizer/model", bytes_tensor(m.tokenizer.model_proto), /*is_buffer=*/true);
  std::vector<int32_t> ids;
  for_each_tokenizer_field(m.tokenizer, [&](const char* name, const auto& v) {
    if constexpr (dataset::kIsTokenizerId<decltype(v)>)
      ids.push_back(v);
    else
      ar.write(std::string("tokenizer/") + name, to_ivalue(v));
  });
  ar.write("tokenizer/ids", torch::tensor(ids, torch::kInt), /*is_buffer=*/true);
}

// The tokenizer: its blob, its string fields by key, and its ids from one int32 tensor in table order.
dataset::TokenizerInfo read_tokenizer(torch::serialize::InputArchive& ar, const std::string& path) {
  dataset::TokenizerInfo t;
  torch::Tensor blob, ids;
  for (auto [key, tensor] : {std::pair{"tokenizer/model", &blob}, std::pair{"tokenizer/ids", &ids}})
    if (!ar.try_read(key, *tensor, /*is_buffer=*/true))
      throw UserError("checkpoint " + path + " lacks '" + key + "' (not an sst-train checkpoint?)");
  t.model_proto = tensor_bytes(host_tensor(blob, path, "tokenizer/model"));
  ids = host_tensor(ids, path, "tokenizer/ids");
  int64_t count = 0;
  for_each_tokenizer_field(t, [&](const char*, auto& field) { count += dataset::kIsTokenizerId<decltype(field)>; });
  if (ids.scalar_type() != torch::kInt || ids.dim() != 1 || ids.numel() != count)
    throw UserError("checkpoint " + path + ": 'tokenizer/ids' is not " + std::to_string(count) + " int32 ids");
  const int32_t* id = ids.data_ptr<int32_t>();
  for_each_tokenizer_field(t, [&](const char* name, auto& field) {
    if constexpr (dataset::kIsTokenizerId<decltype(field)>)
      field = *id++;
    else
      read_field(ar, std::string("tokenizer/") + name, true, field, path);
  });
  return t;
}

CheckpointMeta read_meta(torch::serialize::InputArchive& ar, const std::string& path) {
  int64_t version = 0;
  read_field(ar, "meta/version", true, version, path);
  if (version != kContentVersion) throw UserError("checkpoint " + path + " has an unsupported format version");
  CheckpointMeta m;
  for_each_meta_field(m, [&](const MetaField& f, auto& field) { read_field(ar, f.key, f.since_v1, field, path); });
  for_each_model_field(m.model, [&](const ModelField& f, auto& field) {
    read_field(ar, std::string("model_config/") + f.name, f.since_v1, field, path);
  });
  m.tokenizer = read_tokenizer(ar, path);
  if (static_cast<int64_t>(m.class_names.size()) != m.model.num_classes) {
    m.class_names.clear();
    for (int64_t k = 0; k < m.model.num_classes; ++k) m.class_names.push_back(std::to_string(k));
  }
  return m;
}

// The archive stored at `path` (always read to host memory: it may be the wrapper of format 2).
torch::serialize::InputArchive read_archive_file(const std::string& path) {
  if (!fs::exists(path)) throw UserError("checkpoint " + path + " does not exist");
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path, torch::Device(torch::kCPU));
  } catch (const c10::Error& e) {
    throw UserError("checkpoint " + path + " cannot be read (truncated or not a checkpoint)");
  }
  return ar;
}

struct WrappedContent {
  torch::Tensor bytes;  // uint8, the content archive as written
  bool verified = false;
};

// Format 2: the content bytes, checked against their digest. Format 1: nullopt.
std::optional<WrappedContent> read_wrapped(torch::serialize::InputArchive& outer, const std::string& path) {
  c10::IValue format;
  if (!outer.try_read(kFormatKey, format)) return std::nullopt;
  if (!format.isInt() || format.toInt() != kWrappedFormat)
    throw UserError("checkpoint " + path + " has an unsupported format version");
  WrappedContent w;
  c10::IValue digest;
  try {
    outer.read(kContentKey, w.bytes, /*is_buffer=*/true);
    outer.read(kDigestKey, digest);
  } catch (const c10::Error& e) {
    throw UserError("checkpoint " + path + " cannot be read (truncated or not a checkpoint)");
  }
  w.bytes = w.bytes.contiguous();
  const std::string actual = sha256_bytes(w.bytes.data_ptr(), static_cast<size_t>(w.bytes.numel()));
  if (!digest.isString() || actual != digest.toStringRef())
    throw UserError("checkpoint " + path + " is damaged (its content does not match its SHA-256)");
  w.verified = true;
  return w;
}

// The content archive of a checkpoint file, verified by its own digest when it has one (format 2),
// mapped to host memory whatever device the run trains on: the metadata is read there, and the
// tensors are copied into the live ones (copy_into below), which may be on a GPU.
torch::serialize::InputArchive open_archive(const std::string& path) {
  auto outer = read_archive_file(path);
  auto wrapped = read_wrapped(outer, path);
  if (!wrapped) return outer;  // format 1: the file is the content
  torch::serialize::InputArchive content;
  try {
    content.load_from(static_cast<const char*>(wrapped->bytes.data_ptr()), static_cast<size_t>(wrapped->bytes.numel()),
                      torch::Device(torch::kCPU));
  } catch (const c10::Error& e) {
    throw UserError("checkpoint " + path + " has unreadable content (written by an incompatible build?)");
  }
  return content;
}

// Serializes an archive through `sink` without ever throwing into LibTorch: its stream writer finishes
// the file in its destructor, where an exception would end the process (std::terminate). The first
// failure is kept and rethrown once LibTorch is done.
void save_archive(torch::serialize::OutputArchive& ar, const std::function<void(const void*, size_t)>& sink) {
  std::exception_ptr failure;
  ar.save_to([&](const void* data, size_t n) -> size_t {
    if (!failure) {
      try {
        sink(data, n);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    return n;
  });
  if (failure) std::rethrow_exception(failure);
}

// Opens a checkpoint to load into `model`: its metadata goes to *meta; a different model is refused.
torch::serialize::InputArchive open_for_model(const std::string& path, const TransformerClassifier& model,
                                              CheckpointMeta* meta) {
  auto ar = open_archive(path);
  *meta = read_meta(ar, path);
  if (model_signature(meta->model) != model_signature(model->config()))
    throw UserError("checkpoint " + path + " was written for a different model (" + model_signature(meta->model) +
                    "); this run's model is (" + model_signature(model->config()) + ")");
  return ar;
}

// A checkpoint's parts (the weights, their average, the optimizer state) are named sub-archives;
// a module and an optimizer both save to and load from one.
template <typename Part>
void write_part(torch::serialize::OutputArchive& ar, const char* key, const Part& part) {
  torch::serialize::OutputArchive sub;
  part.save(sub);
  ar.write(key, sub);
}

// Copies a module's saved tensors into its live parameters and buffers, the layout Module::save
// writes (its own tensors, then one sub-archive per child). Module::load would instead set_() or
// set_data() them: that moves a parameter out of the flat buffer it is a view of, and across devices
// gives it a new gradient accumulator, so the gradient synchronizer's hooks would no longer fire.
// copy_ keeps the storage, the accumulator and the device, and converts from the host.
void copy_into(torch::serialize::InputArchive& ar, torch::nn::Module& module, const std::string& path,
               const std::string& where) {
  torch::NoGradGuard no_grad;
  auto copy_tensor = [&](const std::string& key, torch::Tensor& live, bool is_buffer) {
    torch::Tensor saved;
    if (!ar.try_read(key, saved, is_buffer))
      throw UserError("checkpoint " + path + " lacks '" + where + key + "' (written by another model version?)");
    if (saved.sizes() != live.sizes())
      throw UserError("checkpoint " + path + ": '" + where + key + "' has shape " + c10::str(saved.sizes()) +
                      ", this model's is " + c10::str(live.sizes()));
    live.copy_(saved);
  };
  for (auto& p : module.named_parameters(/*recurse=*/false)) copy_tensor(p.key(), p.value(), false);
  for (auto& b : module.named_buffers(/*recurse=*/false)) copy_tensor(b.key(), b.value(), true);
  for (auto& child : module.named_children()) {
    if (!child.value()->is_serializable()) continue;
    torch::serialize::InputArchive sub;
    if (!ar.try_read(child.key(), sub))
      throw UserError("checkpoint " + path + " lacks '" + where + child.key() +
                      "' (written by another model version?)");
    copy_into(sub, *child.value(), path, where + child.key() + "/");
  }
}

// False, leaving `model` as it is, if the checkpoint has no such part.
bool read_module_part(torch::serialize::InputArchive& ar, const char* key, TransformerClassifier& model,
                      const std::string& path) {
  torch::serialize::InputArchive sub;
  if (!ar.try_read(key, sub)) return false;
  copy_into(sub, *model, path, std::string(key) + "/");
  return true;
}

bool read_optimizer_part(torch::serialize::InputArchive& ar, Optimizer& optimizer) {
  torch::serialize::InputArchive sub;
  if (!ar.try_read("optimizer", sub)) return false;
  optimizer.load(sub);
  return true;
}

void read_weights(torch::serialize::InputArchive& ar, const std::string& path, TransformerClassifier& model) {
  if (!read_module_part(ar, "model", model, path)) throw UserError("checkpoint " + path + " has no model weights");
}

}  // namespace

void save_checkpoint(const std::string& path, TransformerClassifier& model, Optimizer* optimizer,
                     const CheckpointMeta& meta, TransformerClassifier average) {
  for (const auto& p : model->named_parameters())
    if (!torch::isfinite(p.value()).all().item<bool>())
      throw UserError("refusing to write checkpoint " + path + ": parameter " + p.key() + " has NaN/Inf values");
  torch::serialize::OutputArchive content;
  write_meta(content, meta);
  write_part(content, "model", *model);
  if (average) write_part(content, "average", *average);
  if (optimizer) write_part(content, "optimizer", *optimizer);
  std::string bytes;
  save_archive(content, [&](const void* data, size_t n) { bytes.append(static_cast<const char*>(data), n); });

  torch::serialize::OutputArchive file;
  file.write(kFormatKey, c10::IValue(kWrappedFormat));
  file.write(kContentKey, torch::from_blob(bytes.data(), {static_cast<int64_t>(bytes.size())}, torch::kUInt8),
             /*is_buffer=*/true);
  file.write(kDigestKey, c10::IValue(sha256_bytes(bytes.data(), bytes.size())));
  write_atomically(path, [&](const std::string& tmp) {
    CheckedFile out(tmp, "checkpoint " + path);
    save_archive(file, [&](const void* data, size_t n) { out.write(data, n); });
    out.finish();
  });
}

CheckpointIntegrity verify_checkpoint(const std::string& path) {
  auto outer = read_archive_file(path);
  return read_wrapped(outer, path) ? CheckpointIntegrity::kVerified : CheckpointIntegrity::kNoDigest;
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  auto ar = open_archive(path);
  return read_meta(ar, path);
}

CheckpointMeta read_archive_meta(torch::serialize::InputArchive& content, const std::string& path) {
  return read_meta(content, path);
}

CheckpointMeta load_evaluated_weights(const std::string& path, TransformerClassifier& model) {
  CheckpointMeta meta;
  auto ar = open_for_model(path, model, &meta);
  if (!read_module_part(ar, "average", model, path)) read_weights(ar, path, model);
  return meta;
}

CheckpointMeta load_checkpoint(const std::string& path, TransformerClassifier& model, Optimizer* optimizer,
                               TransformerClassifier average) {
  CheckpointMeta meta;
  auto ar = open_for_model(path, model, &meta);
  read_weights(ar, path, model);
  if (average && !read_module_part(ar, "average", average, path))
    throw UserError("checkpoint " + path +
                    " has no weight average (it was written with train.ema_decay = 0); "
                    "continue it with train.ema_decay = 0");
  if (optimizer && !read_optimizer_part(ar, *optimizer))
    throw UserError("checkpoint " + path + " has no optimizer state");
  return meta;
}

}  // namespace sst
