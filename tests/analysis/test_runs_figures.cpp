// Run directories, ablation grouping, figures and the report document (analysis/runs.h, ablation.h,
// figures.h, report_doc.h) on fabricated run directories written to a temporary directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ablation.h"
#include "common/error.h"
#include "figures.h"
#include "plot.h"
#include "report_doc.h"
#include "runs.h"

namespace fs = std::filesystem;

namespace sst::analysis {
namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("sst_analysis_runs_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string config(const std::string& lr, int seed, const std::string& name) {
  return "[data]\npath = data/sst2.h5\nfraction = 1\n\n[model]\nd_model = 64\nlayers = 2\n\n[train]\nseed = " +
         std::to_string(seed) + "\nlr = " + lr + "\nmax_steps = 40\n\n[output]\ndir = runs/" + name +
         "\nrun_name = " + name + "\n";
}

// A run with train points at steps 20 and 40, evals at 20 and 40, and (if acc >= 0) a summary.
void make_run(const fs::path& dir, const std::string& lr, int seed, double acc, double loss, bool summary = true) {
  const std::string name = dir.filename().string();
  write(dir / "config.ini", config(lr, seed, name));
  std::ostringstream m;
  m << "{\"kind\":\"train\",\"step\":20,\"loss\":0.69,\"tokens_processed\":1000,\"lr\":0.001}\n"
    << "{\"kind\":\"eval\",\"step\":20,\"dev_loss\":" << loss + 0.1 << ",\"dev_acc\":" << acc - 0.05
    << ",\"tokens_processed\":1000}\n"
    << "{\"kind\":\"train\",\"step\":40,\"loss\":0.5,\"tokens_processed\":2000,\"lr\":0.001}\n"
    << "{\"kind\":\"eval\",\"step\":40,\"dev_loss\":" << loss << ",\"dev_acc\":" << acc
    << ",\"tokens_processed\":2000}\n";
  write(dir / "metrics.jsonl", m.str());
  if (summary)
    write(dir / "summary.json", "{\"status\":\"completed\",\"best_dev_acc\":" + std::to_string(acc) +
                                    ",\"best_dev_loss\":" + std::to_string(loss) + ",\"steps\":40}");
}

TEST(AnalysisRuns, LoadRunMetricsSummaryConfig) {
  const fs::path d = fresh_dir("load");
  make_run(d / "a", "0.002", 1, 0.8, 0.45);
  const analysis::Run r = load_run((d / "a").string());
  EXPECT_EQ(r.name, "a");
  ASSERT_EQ(r.train.size(), 2u);
  ASSERT_EQ(r.evals.size(), 2u);
  EXPECT_DOUBLE_EQ(r.train[1].tokens, 2000);
  EXPECT_DOUBLE_EQ(r.evals[1].dev_acc, 0.8);
  EXPECT_EQ(ini_value(r.config, "train.lr"), "0.002");
  EXPECT_EQ(ini_value(r.config, "output.run_name"), "a");
  // A killed run's unterminated last line is ignored; a bad line in the middle names FILE:LINE.
  std::ofstream(d / "a" / "metrics.jsonl", std::ios::app) << "{\"kind\":\"tra";
  EXPECT_EQ(load_run((d / "a").string()).train.size(), 2u);
  write(d / "b" / "metrics.jsonl", "{\"kind\":\"train\",\"step\":1,\"loss\":1,\"tokens_processed\":5}\nnot json\n{}\n");
  try {
    load_run((d / "b").string());
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_ini("[x]\nno equals sign\n", "c.ini"), UserError);
  EXPECT_THROW(load_runs({(d / "missing").string()}), UserError);
  // A directory of runs stands for the runs below it.
  EXPECT_EQ(expand_run_dirs({d.string()}).size(), 2u);
  fs::remove_all(d);
}

TEST(AnalysisAblation, GroupsBySeedlessConfigWithMeanStd) {
  const fs::path d = fresh_dir("ablate");
  make_run(d / "base_s1", "0.002", 1, 0.80, 0.45);
  make_run(d / "lr_s1", "0.001", 1, 0.78, 0.50);
  make_run(d / "base_s2", "0.002", 2, 0.82, 0.43);
  make_run(d / "lr_s2", "0.001", 2, 0.76, 0.52);
  make_run(d / "lr_s3", "0.001", 3, 0.77, 0.49, /*summary=*/false);  // from metrics.jsonl's evals
  const std::vector<analysis::Run> runs = load_runs({d.string()});   // sorted: base_s1 base_s2 lr_s1 lr_s2 lr_s3
  ASSERT_EQ(runs.size(), 5u);
  size_t base = 0;
  while (runs[base].name != "base_s2") ++base;
  const Ablation a = group_ablations(runs, base, {});
  ASSERT_EQ(a.groups.size(), 2u);
  const AblationGroup& g0 = a.groups[0];
  EXPECT_TRUE(g0.is_baseline);
  EXPECT_EQ(g0.runs.size(), 2u);
  EXPECT_EQ(runs[g0.runs[0]].name, "base_s2");  // the baseline run leads its group
  EXPECT_NEAR(g0.dev_acc.mean, 0.81, 1e-9);
  EXPECT_NEAR(g0.dev_acc.std, std::sqrt(2 * 0.01 * 0.01), 1e-9);
  EXPECT_TRUE(g0.differences.empty());
  const AblationGroup& g1 = a.groups[1];
  EXPECT_EQ(g1.runs.size(), 3u);
  EXPECT_EQ(g1.seeds, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_NEAR(g1.dev_acc.mean, 0.77, 1e-9);
  EXPECT_NEAR(g1.dev_acc.std, 0.01, 1e-9);
  const double ml = (0.50 + 0.52 + 0.49) / 3;
  EXPECT_NEAR(g1.dev_loss.mean, ml, 1e-9);
  EXPECT_NEAR(g1.dev_loss.std,
              std::sqrt((std::pow(0.50 - ml, 2) + std::pow(0.52 - ml, 2) + std::pow(0.49 - ml, 2)) / 2), 1e-9);
  ASSERT_EQ(g1.differences.size(), 1u);  // output.* and train.seed differ too, but are ignored
  EXPECT_EQ(g1.differences[0].key, "train.lr");
  EXPECT_EQ(g1.differences[0].baseline, "0.002");
  EXPECT_EQ(g1.differences[0].value, "0.001");
  // Ignoring the lr as well merges everything into one group.
  EXPECT_EQ(group_ablations(runs, base, {"train.lr"}).groups.size(), 1u);
  EXPECT_EQ(group_ablations(runs, base, {"train.*"}).groups.size(), 1u);
  EXPECT_TRUE(ignored_config_key("output.dir", {}));
  EXPECT_FALSE(ignored_config_key("data.subset_seed", {}));
  fs::remove(d / "lr_s1" / "config.ini");
  EXPECT_THROW(group_ablations(load_runs({d.string()}), 0, {}), UserError);
  fs::remove_all(d);
}

TEST(AnalysisFigures, CurvesReliabilityAttentionFilesAreWritten) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const fs::path d = fresh_dir("figs");
  make_run(d / "runs" / "a", "0.002", 1, 0.8, 0.45);
  make_run(d / "runs" / "b", "0.001", 1, 0.7, 0.55);
  write(d / "runs" / "c" / "metrics.jsonl", "");  // no points yet: must not break the figure
  std::vector<analysis::Run> runs = load_runs({(d / "runs").string()});
  ASSERT_EQ(runs.size(), 3u);
  const auto stems = write_curves((d / "out").string(), runs);
  ASSERT_EQ(stems.size(), 2u);
  Calibration c;
  c.bins = {{0.5, 0.75, 3, 0.6, 0.66}, {0.75, 1.0, 0, 0, 0}};
  c.ece = 0.05;
  write_reliability_plot((d / "out" / "reliability").string(), c);
  AttentionStack a{1, 2, 3, std::vector<double>(18, 1.0 / 3)};
  const std::vector<std::string> pieces{"[CLS]", "▁does", "n't"};  // quotes and UTF-8 in tick labels
  write_attention_layer_plot((d / "out" / "layer").string(), pieces, a, 0, "it's a test_1");
  write_rollout_plot((d / "out" / "rollout").string(), pieces, attention_rollout(a), "rollout");
  for (const std::string s : {"curves_steps", "curves_tokens", "reliability", "layer", "rollout"})
    for (const char* ext : {".png", ".svg", ".dat", ".gp"}) {
      const fs::path p = d / "out" / (s + ext);
      ASSERT_TRUE(fs::exists(p)) << p;
      EXPECT_GT(fs::file_size(p), 100u) << p;
    }
  // The legend names each run.
  std::ifstream gp(d / "out" / "curves_steps.gp");
  std::stringstream text;
  text << gp.rdbuf();
  EXPECT_NE(text.str().find("title 'a'"), std::string::npos);
  EXPECT_NE(text.str().find("title 'b'"), std::string::npos);
  fs::remove_all(d);
}

TEST(AnalysisReportDoc, Base64HtmlAndMarkdown) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("M"), "TQ==");
  EXPECT_EQ(base64("Ma"), "TWE=");
  EXPECT_EQ(base64("Man"), "TWFu");
  EXPECT_EQ(base64(std::string("\xff\x00\x10", 3)), "/wAQ");
  EXPECT_EQ(html_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
  const fs::path d = fresh_dir("doc");
  write(d / "fig" / "x.png", "Man");
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
  fs::remove_all(d);
}

}  // namespace
}  // namespace sst::analysis
