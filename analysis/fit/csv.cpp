// CSV parsing and numeric column selection (see csv.h).
#include "analysis/fit/csv.h"

#include <cerrno>
#include <cstdlib>
#include <set>

#include "common/error.h"
#include "common/text.h"

namespace sst::analysis::fit {
namespace {

using text::trim;

std::string location(const std::string& source, size_t line) { return source + ":" + std::to_string(line); }

// Keeps messages one line and bounded even when a field holds something odd (a newline, a huge blob).
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
    if (out.size() > 60) return out + "...";
  }
  return out;
}

// The first record is the header (unique, non-empty names); every later one a row of as many fields.
void add_record(CsvTable& t, const std::vector<std::string>& record, size_t record_line, bool have_header) {
  if (!have_header) {
    std::set<std::string> seen;
    for (const auto& h : record) {
      if (h.empty()) throw UserError(location(t.source, record_line) + ": empty column name in the header");
      if (!seen.insert(h).second)
        throw UserError(location(t.source, record_line) + ": duplicate column '" + h + "' in the header");
    }
    t.header = record;
    return;
  }
  if (record.size() != t.header.size())
    throw UserError(location(t.source, record_line) + ": expected " + std::to_string(t.header.size()) +
                    " fields (as in the header), found " + std::to_string(record.size()));
  t.rows.push_back(record);
  t.lines.push_back(record_line);
}

}  // namespace

size_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string available;
  for (const auto& h : header) available += (available.empty() ? "" : ", ") + h;
  throw UserError(source + ": no column '" + name + "' (available columns: " + available + ")");
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header)
    if (h == name) return true;
  return false;
}

CsvTable parse_csv(const std::string& text, const std::string& source) {
  CsvTable t;
  t.source = source;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted: keep its spaces, reject text after the quote
  bool in_record = false;   // the current line has content (blank or all-space lines are skipped)
  bool have_header = false;
  size_t line = 1, record_line = 1, quote_line = 0;

  auto start = [&] {
    if (!in_record) {
      in_record = true;
      record_line = line;
    }
  };
  auto end_field = [&] {
    record.push_back(was_quoted ? field : trim(field));
    field.clear();
    was_quoted = false;
  };
  auto end_record = [&] {
    if (in_record) {
      end_field();
      add_record(t, record, record_line, have_header);
      have_header = true;
    }
    record.clear();
    field.clear();
    was_quoted = false;
    in_record = false;
  };

  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && !was_quoted && trim(field).empty()) {
      // An opening quote is only recognised at the start of a field; elsewhere a quote is literal.
      start();
      field.clear();
      quoted = was_quoted = true;
      quote_line = line;
    } else if (c == ',') {
      start();
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
    } else if (c == ' ' || c == '\t') {
      if (!was_quoted) field += c;  // spaces around a quoted field are dropped; others trimmed later
    } else {
      start();
      if (was_quoted) throw UserError(location(source, line) + ": unexpected character after a closing quote");
      field += c;
    }
  }
  if (quoted) throw UserError(location(source, quote_line) + ": unterminated quoted field");
  end_record();
  if (!have_header) throw UserError(source + ": empty file (expected a header row)");
  return t;
}

CsvTable read_csv(const std::string& path) { return parse_csv(text::read_file(path, "CSV file"), path); }

bool parse_number(const std::string& field, double& value) {
  std::string s = trim(field);
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  // ERANGE on underflow gives a usable (denormal or zero) value; on overflow strtod returns +-HUGE_VAL,
  // which is reported later as non-finite by callers that care.
  value = v;
  return true;
}

NumericColumns select_numeric(const CsvTable& table, const std::vector<std::string>& names) {
  NumericColumns out;
  out.source = table.source;
  out.names = names;
  out.lines = table.lines;
  std::vector<size_t> idx;
  for (const auto& n : names) idx.push_back(table.column(n));
  out.columns.assign(names.size(), std::vector<double>(table.rows.size()));
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (size_t j = 0; j < names.size(); ++j) {
      const std::string& f = table.rows[r][idx[j]];
      if (!parse_number(f, out.columns[j][r]))
        throw UserError(location(table.source, table.lines[r]) + ": column '" + names[j] + "' value '" + printable(f) +
                        "' is not a number");
    }
  }
  return out;
}

}  // namespace sst::analysis::fit
