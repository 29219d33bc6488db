#include "train/checkpoint.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "common/error.h"
#include "common/files.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst {
namespace {

constexpr int64_t kCheckpointVersion = 1;
const std::string kBestName = fs::path(rundir::RunDir("").best_checkpoint()).filename().string();

torch::Tensor bytes_tensor(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

std::string tensor_bytes(const torch::Tensor& t) {
  auto c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

// Model config fields as archive values: integers, doubles, and enums by name.
template <typename T>
c10::IValue to_ivalue(const T& v) {
  if constexpr (IsNamedEnum<T>::value)
    return c10::IValue(enum_name(v));
  else
    return c10::IValue(v);
}

template <typename T>
void from_ivalue(const c10::IValue& v, T& field, const std::string& path, const std::string& key) {
  if constexpr (IsNamedEnum<T>::value) {
    auto parsed = v.isString() ? parse_enum<T>(v.toStringRef()) : std::nullopt;
    if (!parsed) throw UserError("checkpoint " + path + ": '" + key + "' is not one of " + enum_choices<T>());
    field = *parsed;
  } else if constexpr (std::is_floating_point_v<T>) {
    field = v.toDouble();
  } else {
    field = v.toInt();
  }
}

void write_meta(torch::serialize::OutputArchive& ar, const CheckpointMeta& m) {
  const auto& s = m.state;
  ar.write("meta/version", c10::IValue(kCheckpointVersion));
  ar.write("meta/step", c10::IValue(s.step));
  ar.write("meta/best_dev_loss", c10::IValue(s.best_dev_loss));
  ar.write("meta/best_dev_acc", c10::IValue(s.best_dev_acc));
  ar.write("meta/best_step", c10::IValue(s.best_step));
  ar.write("meta/evals_without_improvement", c10::IValue(s.evals_without_improvement));
  ar.write("meta/tokens_processed", c10::IValue(s.tokens_processed));
  ar.write("meta/best_tokens_processed", c10::IValue(s.best_tokens_processed));
  ar.write("meta/branch_step", c10::IValue(s.branch_step));
  ar.write("meta/branch_tokens", c10::IValue(s.branch_tokens));
  ar.write("meta/examples_processed", c10::IValue(s.examples_processed));
  ar.write("meta/skipped_steps", c10::IValue(s.skipped_steps));
  ar.write("meta/wall_s", c10::IValue(s.wall_s));
  ar.write("meta/seed", c10::IValue(static_cast<int64_t>(m.seed)));
  ar.write("meta/world_size", c10::IValue(m.world_size));
  ar.write("meta/config_ini", c10::IValue(m.config_ini));
  for_each_model_field(m.model, [&](const ModelField& f, const auto& v) {
    ar.write(std::string("model_config/") + f.name, to_ivalue(v));
  });
  const auto& t = m.tokenizer;
  ar.write("tokenizer/model", bytes_tensor(t.model_proto), /*is_buffer=*/true);
  ar.write("tokenizer/type", c10::IValue(t.type));
  ar.write("tokenizer/ids", torch::tensor({t.vocab_size, t.pad_id, t.unk_id, t.cls_id, t.eos_id}, torch::kInt),
           /*is_buffer=*/true);
}

CheckpointMeta read_meta(torch::serialize::InputArchive& ar, const std::string& path) {
  auto get = [&](const std::string& key) {
    c10::IValue v;
    if (!ar.try_read(key, v))
      throw UserError("checkpoint " + path + " lacks '" + key + "' (not an sst-train checkpoint?)");
    return v;
  };
  if (get("meta/version").toInt() != kCheckpointVersion)
    throw UserError("checkpoint " + path + " has an unsupported format version");
  CheckpointMeta m;
  auto& s = m.state;
  s.step = get("meta/step").toInt();
  s.best_dev_loss = get("meta/best_dev_loss").toDouble();
  s.best_dev_acc = get("meta/best_dev_acc").toDouble();
  s.best_step = get("meta/best_step").toInt();
  s.evals_without_improvement = get("meta/evals_without_improvement").toInt();
  s.tokens_processed = get("meta/tokens_processed").toInt();
  // Added after format version 1 (scaling budgets): absent from older checkpoints, read as defaults.
  for (auto [key, field] :
       {std::pair{"meta/best_tokens_processed", &s.best_tokens_processed},
        std::pair{"meta/branch_step", &s.branch_step}, std::pair{"meta/branch_tokens", &s.branch_tokens}}) {
    c10::IValue v;
    if (ar.try_read(key, v)) *field = v.toInt();
  }
  s.examples_processed = get("meta/examples_processed").toInt();
  s.skipped_steps = get("meta/skipped_steps").toInt();
  s.wall_s = get("meta/wall_s").toDouble();
  m.seed = static_cast<uint64_t>(get("meta/seed").toInt());
  m.world_size = get("meta/world_size").toInt();
  m.config_ini = get("meta/config_ini").toStringRef();
  // Fields added after format version 1 read as their default from older checkpoints.
  for_each_model_field(m.model, [&](const ModelField& f, auto& field) {
    const std::string key = std::string("model_config/") + f.name;
    c10::IValue v;
    if (!ar.try_read(key, v)) {
      if (f.since_v1) throw UserError("checkpoint " + path + " lacks '" + key + "' (not an sst-train checkpoint?)");
      return;
    }
    from_ivalue(v, field, path, key);
  });
  torch::Tensor tok_model, ids;
  ar.read("tokenizer/model", tok_model, /*is_buffer=*/true);
  ar.read("tokenizer/ids", ids, /*is_buffer=*/true);
  m.tokenizer.model_proto = tensor_bytes(tok_model);
  m.tokenizer.type = get("tokenizer/type").toStringRef();
  auto id = ids.accessor<int32_t, 1>();
  m.tokenizer.vocab_size = id[0];
  m.tokenizer.pad_id = id[1];
  m.tokenizer.unk_id = id[2];
  m.tokenizer.cls_id = id[3];
  m.tokenizer.eos_id = id[4];
  return m;
}

torch::serialize::InputArchive open_archive(const std::string& path, const torch::Device& device) {
  if (!fs::exists(path)) throw UserError("checkpoint " + path + " does not exist");
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path, device);
  } catch (const c10::Error& e) {
    throw UserError("checkpoint " + path + " cannot be read (truncated or not a checkpoint)");
  }
  return ar;
}

// Opens a checkpoint to load into `model`: its metadata goes to *meta; a different model is refused.
torch::serialize::InputArchive open_for_model(const std::string& path, const TransformerClassifier& model,
                                              const torch::Device& device, CheckpointMeta* meta) {
  auto ar = open_archive(path, device);
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

// False, leaving `part` as it is, if the checkpoint has no such part.
template <typename Part>
bool read_part(torch::serialize::InputArchive& ar, const char* key, Part& part) {
  torch::serialize::InputArchive sub;
  if (!ar.try_read(key, sub)) return false;
  part.load(sub);
  return true;
}

void read_weights(torch::serialize::InputArchive& ar, const std::string& path, TransformerClassifier& model) {
  if (!read_part(ar, "model", *model)) throw UserError("checkpoint " + path + " has no model weights");
}

json read_manifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return json{{"checkpoints", json::array()}};
  try {
    return json::parse(in);
  } catch (const json::exception&) {
    return json{{"checkpoints", json::array()}};  // rebuilt on the next save
  }
}

}  // namespace

void save_checkpoint(const std::string& path, TransformerClassifier& model, torch::optim::Optimizer* optimizer,
                     const CheckpointMeta& meta, TransformerClassifier average) {
  for (const auto& p : model->named_parameters())
    if (!torch::isfinite(p.value()).all().item<bool>())
      throw UserError("refusing to write checkpoint " + path + ": parameter " + p.key() + " has NaN/Inf values");
  torch::serialize::OutputArchive ar;
  write_meta(ar, meta);
  write_part(ar, "model", *model);
  if (average) write_part(ar, "average", *average);
  if (optimizer) write_part(ar, "optimizer", *optimizer);
  write_atomically(path, [&](const std::string& tmp) { ar.save_to(tmp); });
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  auto ar = open_archive(path, torch::kCPU);
  return read_meta(ar, path);
}

CheckpointMeta load_evaluated_weights(const std::string& path, TransformerClassifier& model,
                                      const torch::Device& device) {
  CheckpointMeta meta;
  auto ar = open_for_model(path, model, device, &meta);
  if (!read_part(ar, "average", *model)) read_weights(ar, path, model);
  return meta;
}

CheckpointMeta load_checkpoint(const std::string& path, TransformerClassifier& model,
                               torch::optim::Optimizer* optimizer, const torch::Device& device,
                               TransformerClassifier average) {
  CheckpointMeta meta;
  auto ar = open_for_model(path, model, device, &meta);
  read_weights(ar, path, model);
  if (average && !read_part(ar, "average", *average))
    throw UserError("checkpoint " + path +
                    " has no weight average (it was written with train.ema_decay = 0); "
                    "continue it with train.ema_decay = 0");
  if (optimizer && !read_part(ar, "optimizer", *optimizer))
    throw UserError("checkpoint " + path + " has no optimizer state");
  return meta;
}

CheckpointStore::CheckpointStore(const rundir::RunDir& run_dir, int64_t keep)
    : dir_(run_dir.checkpoints()), manifest_(run_dir.manifest()), keep_(keep) {}

std::string CheckpointStore::save_named(const std::string& file, int64_t step, TransformerClassifier& model,
                                        torch::optim::Optimizer& opt, const CheckpointMeta& meta,
                                        TransformerClassifier average, bool rotate) {
  ensure_writable_dir(dir_);
  std::string path = dir_ + "/" + file;
  save_checkpoint(path, model, &opt, meta, average);
  json manifest = read_manifest(manifest_);
  json entry = {{"file", file}, {"step", step}, {"sha256", sha256_file(path)}, {"bytes", fs::file_size(path)}};
  if (!rotate) {
    manifest["best"] = entry;
  } else {
    json kept = json::array();
    for (auto& e : manifest["checkpoints"])
      if (e["file"] != file) kept.push_back(e);
    kept.push_back(entry);
    std::sort(kept.begin(), kept.end(), [](const json& a, const json& b) { return a["step"] < b["step"]; });
    while (static_cast<int64_t>(kept.size()) > keep_) {
      std::error_code ec;
      fs::remove(dir_ + "/" + kept.front()["file"].get<std::string>(), ec);
      kept.erase(kept.begin());
    }
    manifest["checkpoints"] = kept;
  }
  write_text_atomically(manifest_, manifest.dump(2) + "\n");
  return path;
}

std::string CheckpointStore::save_step(TransformerClassifier& model, torch::optim::Optimizer& opt,
                                       const CheckpointMeta& meta, TransformerClassifier average) {
  return save_named(rundir::RunDir::step_checkpoint_name(meta.state.step), meta.state.step, model, opt, meta, average,
                    /*rotate=*/true);
}

std::string CheckpointStore::save_best(TransformerClassifier& model, torch::optim::Optimizer& opt,
                                       const CheckpointMeta& meta, TransformerClassifier average) {
  return save_named(kBestName, meta.state.step, model, opt, meta, average, /*rotate=*/false);
}

std::optional<std::string> CheckpointStore::newest_valid(std::vector<std::string>& problems) const {
  json manifest = read_manifest(manifest_);
  auto& list = manifest["checkpoints"];
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    const std::string path = dir_ + "/" + (*it)["file"].get<std::string>();
    if (!fs::exists(path)) {
      problems.push_back(path + " is listed in the manifest but missing");
      continue;
    }
    if (sha256_file(path) != (*it)["sha256"].get<std::string>()) {
      problems.push_back(path + " is damaged (SHA-256 differs from the manifest)");
      continue;
    }
    return path;
  }
  return std::nullopt;
}

}  // namespace sst
