// Text helpers every binary shares: trimming, comma/space-separated lists, reading a whole file, and
// the one INI reader (Boost.Program_options' parser, the one sst-train reads its configs with).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sst::text {

// `s` without leading and trailing `blanks` (by default spaces, tabs, CR and LF).
std::string trim(std::string_view s, std::string_view blanks = " \t\r\n");

// The items of "a, b c,d" (separated by commas and/or whitespace), empty items dropped.
std::vector<std::string> split_list(std::string_view s);

// The whole file as bytes. Throws UserError "cannot read <what> PATH: <reason>".
std::string read_file(const std::string& path, const std::string& what = "file");

// "section.key" -> value, in file order (values trimmed; '#' starts a comment).
using IniEntries = std::vector<std::pair<std::string, std::string>>;

// Parses INI text; a malformed line throws UserError "SOURCE:LINE: <what is wrong>".
IniEntries parse_ini(const std::string& text, const std::string& source);
// The same entries with the line each came from (1-based), for readers whose errors name the line.
struct IniLine {
  std::string key, value;
  int line = 0;
};
std::vector<IniLine> parse_ini_lines(const std::string& text, const std::string& source);
// parse_ini of a file (read_file's errors, then parse_ini's).
IniEntries read_ini_file(const std::string& path);
// The value of "section.key", or "" when absent.
std::string ini_value(const IniEntries& ini, const std::string& key);

// Numbers as a config value spells them, the whole text or nothing: a finite number ("2e-3", "1e12"),
// or an integer ("40", "-3"; no fraction, no exponent). nullopt for anything else (an empty text, "x",
// "3abc", "nan", "inf", out of range).
std::optional<double> parse_number(std::string_view s);
std::optional<int64_t> parse_integer(std::string_view s);

}  // namespace sst::text
