#include "common/text.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
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

namespace {

// The line of each entry Boost's parser returns, in its order: Boost reads line by line, drops what
// follows '#', skips blank lines and takes "[section]" lines as the prefix; every other line is one entry
// (or the syntax error it reports first).
std::vector<int> entry_lines(const std::string& text) {
  std::vector<int> lines;
  std::istringstream in(text);
  std::string raw;
  for (int n = 1; std::getline(in, raw); ++n) {
    const std::string s = trim(raw.substr(0, raw.find('#')), " \t\r\n");
    if (!s.empty() && s.front() != '[') lines.push_back(n);
  }
  return lines;
}

}  // namespace

std::vector<IniLine> parse_ini_lines(const std::string& text, const std::string& source) {
  po::options_description none;
  std::vector<IniLine> out;
  // Boost's message would be cut at a NUL byte (what() is a C string): named here instead.
  if (const auto nul = text.find('\0'); nul != std::string::npos)
    throw UserError(source + ":" + std::to_string(1 + std::count(text.begin(), text.begin() + nul, '\n')) +
                    ": holds a NUL byte (not a text file?)");
  const std::vector<int> lines = entry_lines(text);
  std::vector<po::option> options;
  try {
    std::istringstream in(text);
    options = po::parse_config_file(in, none, /*allow_unregistered=*/true).options;
  } catch (const po::error& e) {
    // The entry that failed is the first one Boost did not return: count the ones it read.
    std::istringstream in(text);
    size_t good = 0;
    std::string raw;
    for (int n = 1; std::getline(in, raw) && good < lines.size(); ++n)
      if (n == lines[good] && trim(raw.substr(0, raw.find('#'))).find('=') != std::string::npos) ++good;
    const std::string at = good < lines.size() ? ":" + std::to_string(lines[good]) : "";
    throw UserError(source + at + ": " + e.what());
  }
  for (size_t i = 0; i < options.size(); ++i) {
    const auto& opt = options[i];
    out.push_back({opt.string_key, opt.value.empty() ? "" : trim(opt.value.front()), i < lines.size() ? lines[i] : 0});
  }
  return out;
}

IniEntries parse_ini(const std::string& text, const std::string& source) {
  IniEntries out;
  for (auto& e : parse_ini_lines(text, source)) out.emplace_back(std::move(e.key), std::move(e.value));
  return out;
}

IniEntries read_ini_file(const std::string& path) { return parse_ini(read_file(path, "INI file"), path); }

std::string ini_value(const IniEntries& ini, const std::string& key) {
  for (const auto& [k, v] : ini)
    if (k == key) return v;
  return "";
}

std::optional<double> parse_number(std::string_view s) {
  const std::string text(s);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> parse_integer(std::string_view s) {
  const std::string text(s);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(v);
}

}  // namespace sst::text
