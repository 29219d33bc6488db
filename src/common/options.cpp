#include "common/options.h"

#include <map>

namespace sst {

std::string Range::text() const {
  auto num = [](double v) { return OptionTable::text_of(v); };
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi)
    return "must be in " + std::string(lo_open ? "(" : "[") + num(lo) + ", " + num(hi) + (hi_open ? ")" : "]");
  if (has_lo) return std::string("must be ") + (lo_open ? "> " : ">= ") + num(lo);
  if (has_hi) return std::string("must be ") + (hi_open ? "< " : "<= ") + num(hi);
  return "";
}

std::string OptionTable::to_ini() const {
  std::vector<std::string> order;
  std::map<std::string, std::string> sections;
  for (const auto& [key, render] : render_) {
    const auto dot = key.find('.');
    const std::string section = key.substr(0, dot);
    if (!sections.count(section)) order.push_back(section);
    sections[section] += key.substr(dot + 1) + " = " + render() + "\n";
  }
  std::string out;
  for (const auto& s : order) out += "[" + s + "]\n" + sections[s] + "\n";
  return out;
}

}  // namespace sst
