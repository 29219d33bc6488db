#include "analysis/report/report_doc.h"

#include <filesystem>
#include <sstream>

#include "analysis/cli/cells.h"
#include "common/text.h"

namespace sst::analysis::report {

std::string base64(const std::string& in) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {  // one or two bytes left: pad with '='
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void ReportDoc::heading(int level, const std::string& text) { blocks_.push_back({Block::kHeading, level, text}); }
void ReportDoc::paragraph(const std::string& text) { blocks_.push_back({Block::kParagraph, 0, text}); }
void ReportDoc::preformatted(const std::string& text) { blocks_.push_back({Block::kPre, 0, text}); }
void ReportDoc::image(const std::string& path, const std::string& caption) {
  blocks_.push_back({Block::kImage, 0, path, caption});
}
void ReportDoc::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  Block b{Block::kTable};
  b.rows.push_back(header);
  b.rows.insert(b.rows.end(), rows.begin(), rows.end());
  blocks_.push_back(b);
}

std::string ReportDoc::markdown() const {
  std::ostringstream s;
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::kHeading:
        s << std::string(b.level, '#') << " " << b.text << "\n\n";
        break;
      case Block::kParagraph:
        s << b.text << "\n\n";
        break;
      case Block::kPre:
        s << "```\n" << b.text << (b.text.empty() || b.text.back() != '\n' ? "\n" : "") << "```\n\n";
        break;
      case Block::kImage:
        s << "![" << b.caption << "](" << b.text << ")\n\n";
        break;
      case Block::kTable:
        for (size_t r = 0; r < b.rows.size(); ++r) {
          s << "|";
          for (const auto& c : b.rows[r]) s << " " << cli::md_cell(c) << " |";
          s << "\n";
          if (r == 0) {
            s << "|";
            for (size_t k = 0; k < b.rows[0].size(); ++k) s << "---|";
            s << "\n";
          }
        }
        s << "\n";
        break;
    }
  }
  return s.str();
}

std::string ReportDoc::html(const std::string& dir, const std::string& title) const {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title)
    << "</title>\n<style>\nbody{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}\n"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\n"
       "th{background:#f0f0f0}img{max-width:100%;border:1px solid #eee}figure{margin:1em 0}\n"
       "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}\n</style>\n</head>\n<body>\n";
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::kHeading: {
        const int l = b.level < 1 ? 1 : b.level > 6 ? 6 : b.level;
        s << "<h" << l << ">" << html_escape(b.text) << "</h" << l << ">\n";
        break;
      }
      case Block::kParagraph:
        s << "<p>" << html_escape(b.text) << "</p>\n";
        break;
      case Block::kPre:
        s << "<pre>" << html_escape(b.text) << "</pre>\n";
        break;
      case Block::kImage: {
        const std::string png = text::read_file((std::filesystem::path(dir) / b.text).string(), "figure");
        s << "<figure><img alt=\"" << html_escape(b.caption) << "\" src=\"data:image/png;base64," << base64(png)
          << "\"><figcaption>" << html_escape(b.caption) << "</figcaption></figure>\n";
        break;
      }
      case Block::kTable:
        s << "<table>\n";
        for (size_t r = 0; r < b.rows.size(); ++r) {
          s << "<tr>";
          for (const auto& c : b.rows[r]) s << (r ? "<td>" : "<th>") << html_escape(c) << (r ? "</td>" : "</th>");
          s << "</tr>\n";
        }
        s << "</table>\n";
        break;
    }
  }
  s << "</body>\n</html>\n";
  return s.str();
}

}  // namespace sst::analysis::report
