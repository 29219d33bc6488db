// Enums with names: one table per enum gives its text form, parsing and the list of choices, so an
// option like model.pooling is a typed value everywhere and a string only at the edges (INI files,
// JSON, checkpoints). Specialize EnumNames<E> next to the enum:
//   template <> struct EnumNames<Pooling> {
//     static constexpr std::array<std::pair<Pooling, const char*>, 2> kNames{{{Pooling::kCls, "cls"}, ...}};
//   };
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace sst {

template <typename E>
struct EnumNames;

template <typename E, typename = void>
struct IsNamedEnum : std::false_type {};
template <typename E>
struct IsNamedEnum<E, std::void_t<decltype(EnumNames<E>::kNames)>> : std::true_type {};

template <typename E>
std::string enum_name(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames)
    if (v == value) return name;
  return "?";
}

template <typename E>
std::optional<E> parse_enum(std::string_view text) {
  for (const auto& [v, name] : EnumNames<E>::kNames)
    if (text == name) return v;
  return std::nullopt;
}

// "cls | mean"
template <typename E>
std::string enum_choices(const char* separator = " | ") {
  std::string out;
  for (const auto& [v, name] : EnumNames<E>::kNames) out += (out.empty() ? "" : separator) + std::string(name);
  return out;
}

}  // namespace sst
