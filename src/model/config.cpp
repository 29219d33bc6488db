#include "model/config.h"

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
  std::string out;
  for_each_model_field(m, [&](const ModelField& f, const auto& v) {
    if (f.architecture) out += (out.empty() ? "" : " ") + std::string(f.name) + "=" + text(v);
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

}  // namespace sst
