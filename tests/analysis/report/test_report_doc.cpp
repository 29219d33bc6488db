// The report's document model (analysis/report/report_doc.h): base64, HTML escaping, Markdown tables and
// the self-contained HTML page.
#include "analysis/report/report_doc.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace sst::analysis::report {
namespace {

TEST(AnalysisReportDoc, Base64HtmlAndMarkdown) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("M"), "TQ==");
  EXPECT_EQ(base64("Ma"), "TWE=");
  EXPECT_EQ(base64("Man"), "TWFu");
  EXPECT_EQ(base64(std::string("\xff\x00\x10", 3)), "/wAQ");
  EXPECT_EQ(html_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
  const test::TempDir tmp("analysis_report_doc");
  const fs::path d = tmp.path();
  test::write_text(d / "fig" / "x.png", "Man");
  ReportDoc doc;
  doc.heading(1, "Title <1>");
  doc.table({"k", "v"}, {{"a|b", "1"}});
  doc.image("fig/x.png", "a figure");
  const std::string md = doc.markdown();
  EXPECT_NE(md.find("# Title <1>"), std::string::npos);
  EXPECT_NE(md.find("| a\\|b | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("![a figure](fig/x.png)"), std::string::npos);
  const std::string html = doc.html(d.string(), "t");
  EXPECT_NE(html.find("src=\"data:image/png;base64,TWFu\""), std::string::npos);
  EXPECT_EQ(html.find("fig/x.png"), std::string::npos);  // self-contained: no file references
  EXPECT_NE(html.find("Title &lt;1&gt;"), std::string::npos);
  ReportDoc missing;
  missing.image("nope.png", "x");
  EXPECT_THROW(missing.html(d.string(), "t"), UserError);
}

}  // namespace
}  // namespace sst::analysis::report
