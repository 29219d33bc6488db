// GLUE TSV reader for sst-prep: splits lines and fields, finds columns by header name and
// validates every field, so that bad input stops the pipeline with a message naming file and line.
#include "dataset/tsv_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/text.h"
#include "dataset/line_errors.h"

namespace sst::dataset {
namespace {

using line_errors::fail;
using line_errors::quote;

// Spaces (and other non-tab blanks) only: tabs are field separators and never part of a field.
std::string trim(const std::string& s) { return text::trim(s, " \r\v\f"); }

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    if (tab == std::string::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

struct Columns {
  int sentence = -1, label = -1, index = -1;
  size_t count = 0;
};

// `text_column`: a 'text' column may stand for 'sentence' (the any-label reader; SST-2's keeps GLUE's name).
Columns parse_header(const std::string& line, const std::string& name, bool text_column) {
  Columns c;
  std::vector<std::string> fields = split_tabs(line);
  c.count = fields.size();
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string f = trim(fields[i]);
    const bool is_sentence = f == "sentence" || (text_column && f == "text");
    int* slot = is_sentence ? &c.sentence : f == "label" ? &c.label : f == "index" ? &c.index : nullptr;
    if (slot == nullptr) continue;  // unknown columns are carried along but ignored
    if (*slot >= 0)
      fail(name, 1,
           "header has the column '" + f + "' twice" +
               (is_sentence && text_column ? " (or both 'sentence' and 'text')" : ""));
    *slot = static_cast<int>(i);
  }
  if (c.sentence < 0)
    fail(name, 1,
         "header " + quote(line) + (text_column ? " has no 'sentence' or 'text' column" : " has no 'sentence' column") +
             " (expected 'sentence\\tlabel' or 'index\\tsentence')");
  return c;
}

int8_t parse_label(const std::string& v, const std::string& name, size_t line_no) {
  if (v == "0") return 0;
  if (v == "1") return 1;
  fail(name, line_no, "label " + quote(v) + " is not 0 or 1");
}

void check_index(const std::string& field, const std::string& name, size_t line_no) {
  std::string v = trim(field);
  bool ok = !v.empty() && v.size() <= 18;
  for (char ch : v) ok = ok && ch >= '0' && ch <= '9';
  if (!ok) fail(name, line_no, "index " + quote(v) + " is not a non-negative integer");
}

}  // namespace

size_t find_invalid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;  // a stray continuation byte, or 0xF8..0xFF
    }
    if (i + len > n) return i;  // truncated sequence
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong encodings, UTF-16 surrogates and values past Unicode are not valid UTF-8.
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return i;
    i += len;
  }
  return std::string::npos;
}

namespace {

// Splits `text` into header and rows, validates each line, and calls on_row(sentence, label field,
// line number) for every example (label field empty when the file has no label column). Every
// problem is reported at its line as soon as it is met, in file order.
template <typename OnRow>
bool parse_rows(const std::string& text, const std::string& name, bool text_column, OnRow&& on_row) {
  Columns cols;
  bool have_header = false;
  size_t line_no = 0;
  size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // skip a UTF-8 byte order mark
  size_t pending_blank = 0;  // line number of the first blank line not yet followed by data (0: none)
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    const size_t line_start = pos;
    std::string line = text.substr(pos, end - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF line ends

    size_t bad = find_invalid_utf8(line);
    if (bad != std::string::npos) {
      fail(name, line_no,
           "invalid UTF-8 at byte offset " + std::to_string(line_start + bad) + " (byte " + std::to_string(bad + 1) +
               " of the line)");
    }
    if (line.find('\0') != std::string::npos) fail(name, line_no, "line contains a NUL byte");

    // Blank lines are tolerated only at the end of the file (editors and `cat` leave them there).
    if (trim(line).empty()) {
      if (!have_header) fail(name, line_no, "empty header line (expected 'sentence\\tlabel' or 'index\\tsentence')");
      if (pending_blank == 0) pending_blank = line_no;
      continue;
    }
    if (pending_blank != 0) fail(name, pending_blank, "empty line");

    if (!have_header) {
      cols = parse_header(line, name, text_column);
      have_header = true;
      continue;
    }
    std::vector<std::string> fields = split_tabs(line);
    if (fields.size() != cols.count)
      fail(name, line_no,
           std::string(fields.size() < cols.count ? "too few" : "too many") + " fields: found " +
               std::to_string(fields.size()) + " tab-separated fields, the header has " + std::to_string(cols.count));
    std::string sentence = trim(fields[cols.sentence]);
    if (sentence.empty()) fail(name, line_no, "empty sentence");
    const std::string label = cols.label >= 0 ? trim(fields[cols.label]) : std::string();
    if (cols.index >= 0) check_index(fields[cols.index], name, line_no);
    on_row(std::move(sentence), cols.label >= 0 ? &label : nullptr, line_no);
  }
  if (!have_header) throw UserError(name + ": empty file (expected a header line 'sentence\\tlabel')");
  return cols.label >= 0;
}

}  // namespace

TsvData parse_tsv(const std::string& text, const std::string& name) {
  TsvData out;
  out.labeled = parse_rows(text, name, false, [&](std::string sentence, const std::string* label, size_t line_no) {
    out.labels.push_back(label != nullptr ? parse_label(*label, name, line_no) : int8_t{-1});
    out.sentences.push_back(std::move(sentence));
  });
  return out;
}

TextData parse_class_tsv(const std::string& text, const std::string& name) {
  TextData out;
  out.labeled = parse_rows(text, name, true, [&](std::string sentence, const std::string* label, size_t line_no) {
    if (label != nullptr && label->empty()) fail(name, line_no, "label missing (empty 'label' field)");
    out.sentences.push_back(std::move(sentence));
    out.labels.push_back(label != nullptr ? *label : std::string());
    out.lines.push_back(line_no);
  });
  return out;
}

TsvData read_tsv_file(const std::string& path) { return parse_tsv(read_input_file(path), path); }

TextData read_class_tsv_file(const std::string& path) { return parse_class_tsv(read_input_file(path), path); }

std::string read_input_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UserError("cannot open " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw UserError("cannot read " + path + ": " + std::strerror(errno));
  return buf.str();
}

}  // namespace sst::dataset
