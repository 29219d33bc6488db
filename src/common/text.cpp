#include "common/text.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace po = boost::program_options;

namespace sst::text {

std::string trim(std::string_view s, std::string_view blanks) {
  const auto b = s.find_first_not_of(blanks);
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(blanks);
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string read_file(const std::string& path, const std::string& what) {
  // A directory opens as an empty stream: it would read as an empty file.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UserError("cannot read " + what + " " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) throw UserError("cannot read " + what + " " + path + ": read error");
  return os.str();
}

IniEntries parse_ini(const std::string& text, const std::string& source) {
  po::options_description none;
  IniEntries out;
  // Boost's message would be cut at a NUL byte (what() is a C string): named here instead.
  if (const auto nul = text.find('\0'); nul != std::string::npos)
    throw UserError(source + ": line " + std::to_string(1 + std::count(text.begin(), text.begin() + nul, '\n')) +
                    " holds a NUL byte (not a text file?)");
  try {
    std::istringstream in(text);
    for (const auto& opt : po::parse_config_file(in, none, /*allow_unregistered=*/true).options)
      out.emplace_back(opt.string_key, opt.value.empty() ? "" : trim(opt.value.front()));
  } catch (const po::error& e) {
    throw UserError(source + ": " + e.what());
  }
  return out;
}

IniEntries read_ini_file(const std::string& path) { return parse_ini(read_file(path, "INI file"), path); }

std::string ini_value(const IniEntries& ini, const std::string& key) {
  for (const auto& [k, v] : ini)
    if (k == key) return v;
  return "";
}

}  // namespace sst::text
