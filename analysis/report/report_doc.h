// A tiny document model for `sst-analyze report` (no LibTorch): headings, paragraphs, tables, images and
// preformatted text, rendered both as Markdown (images linked by relative path) and as one
// self-contained HTML page (PNG images embedded as base64 data URIs, so the page can be mailed or
// archived alone).
#pragma once
#include <string>
#include <vector>

namespace sst::analysis::report {

std::string base64(const std::string& bytes);
std::string html_escape(const std::string& s);

class ReportDoc {
 public:
  void heading(int level, const std::string& text);
  void paragraph(const std::string& text);  // plain text (escaped in HTML, '|'-safe in Markdown)
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
  // `path` is relative to the report's directory (a .png file).
  void image(const std::string& path, const std::string& caption);
  void preformatted(const std::string& text);

  std::string markdown() const;
  // Reads every image from `dir` and embeds it; throws UserError if one cannot be read.
  std::string html(const std::string& dir, const std::string& title) const;

 private:
  struct Block {
    enum Kind { kHeading, kParagraph, kTable, kImage, kPre } kind;
    int level = 0;
    std::string text, caption;
    std::vector<std::vector<std::string>> rows;  // header first
  };
  std::vector<Block> blocks_;
};

}  // namespace sst::analysis::report
