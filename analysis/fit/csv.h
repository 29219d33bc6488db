// CSV input for sst-analyze: a header row, RFC 4180 quoting, numeric columns selected by name.
// Every error is a one-line sst::UserError naming the file and the (1-based) line, e.g.
//   sweep.csv:7: column 'tokens' value 'abc' is not a number
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace sst::analysis::fit {

// A parsed CSV file: the header, the records as strings, and the line each record starts on.
struct CsvTable {
  std::string source;                          // file name used in messages
  std::vector<std::string> header;             // column names (surrounding spaces trimmed)
  std::vector<std::vector<std::string>> rows;  // one entry per record, header.size() fields each
  std::vector<size_t> lines;                   // lines[i]: 1-based line where rows[i] starts

  // Index of column `name`; throws UserError listing the available columns if it is absent.
  size_t column(const std::string& name) const;
  bool has_column(const std::string& name) const;
};

// Parses CSV text. Fields are separated by commas; a field may be double-quoted, in which case it may
// contain commas, newlines and doubled quotes (""). CRLF line ends are accepted; blank lines are skipped.
// Throws UserError on an unterminated quote, a duplicate or empty header, or a record whose field count
// differs from the header's.
CsvTable parse_csv(const std::string& text, const std::string& source);

// Reads and parses a file (throws UserError if it cannot be read or is empty).
CsvTable read_csv(const std::string& path);

// Numeric columns selected by name: columns[j][i] is column names[j] of record i.
struct NumericColumns {
  std::string source;
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  std::vector<size_t> lines;  // line of each record, for later messages about a value
};

// Parses a field as a double (the whole field, surrounding spaces allowed; "nan"/"inf" are numbers).
// Returns false if it is not a number.
bool parse_number(const std::string& field, double& value);

// Selects `names` from `table` and converts every value; a value that is not a number throws
// "SOURCE:LINE: column 'NAME' value 'TEXT' is not a number".
NumericColumns select_numeric(const CsvTable& table, const std::vector<std::string>& names);

}  // namespace sst::analysis::fit
