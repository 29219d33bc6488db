#include "model/config.h"

#include <map>
#include <sstream>
#include <type_traits>

namespace sst {
namespace {

template <typename T>
std::string text(const T& v) {
  if constexpr (IsNamedEnum<T>::value) {
    return enum_name(v);
  } else {
    std::ostringstream os;
    os.precision(10);
    os << v;
    return os.str();
  }
}

}  // namespace

std::string model_signature(const ModelConfig& m) {
  std::map<std::string, std::string> defaults;
  const ModelConfig default_config;
  for_each_model_field(default_config, [&](const ModelField& f, const auto& v) { defaults[f.name] = text(v); });
  std::string out;
  for_each_model_field(m, [&](const ModelField& f, const auto& v) {
    if (!f.architecture || (f.signed_unless_default && text(v) == defaults[f.name])) return;
    // Appended piece by piece: GCC 12 at C++20 warns (-Wstringop-overflow, a false positive) about the
    // temporary strings of `a + b + c` here.
    if (!out.empty()) out += ' ';
    out += f.name;
    out += '=';
    out += text(v);
  });
  return out;
}

nlohmann::json model_json(const ModelConfig& m) {
  nlohmann::json j = nlohmann::json::object();
  for_each_model_field(m, [&](const ModelField& f, const auto& v) {
    if constexpr (IsNamedEnum<std::decay_t<decltype(v)>>::value)
      j[f.name] = enum_name(v);
    else
      j[f.name] = v;
  });
  return j;
}

double parameter_count(const ModelConfig& m) {
  const double d = static_cast<double>(m.d_model), f = static_cast<double>(m.ff_dim);
  // LayerNorms 2 x 2d, qkv 3d^2, q and v biases 2d, proj d^2 + d, ff1 df + f, ff2 fd + d.
  const double layer = 4 * d * d + 2 * d * f + f + 8 * d;
  const double embeddings = static_cast<double>(m.vocab_size) * d +
                            (m.position == Position::kLearned ? static_cast<double>(m.max_len) * d : 0);
  const double k = static_cast<double>(m.num_classes);
  return embeddings + static_cast<double>(m.layers) * layer + 2 * d /* final LayerNorm */ + k * d + k /* head */;
}

}  // namespace sst
