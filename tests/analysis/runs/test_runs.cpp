// Reading run directories (analysis/runs/runs.h) on fabricated runs: metrics.jsonl, summary.json and
// config.ini, a killed run's last line, the errors that name the file, and directories of runs.
#include "analysis/runs/runs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;

namespace sst::analysis::runs {
namespace {

TEST(AnalysisRuns, LoadRunMetricsSummaryConfig) {
  const test::TempDir tmp("analysis_runs");
  const fs::path d = tmp.path();
  fixtures::write_run(d / "a", {"0.002", 1, 0.8, 0.45});
  const runs::Run r = load_run((d / "a").string());
  EXPECT_EQ(r.name, "a");
  ASSERT_EQ(r.train.size(), 2u);
  ASSERT_EQ(r.evals.size(), 2u);
  EXPECT_DOUBLE_EQ(r.train[1].tokens, 2000);
  EXPECT_DOUBLE_EQ(r.evals[1].dev_acc, 0.8);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->steps, 40);
  EXPECT_EQ(text::ini_value(r.config, "train.lr"), "0.002");
  EXPECT_EQ(text::ini_value(r.config, "output.run_name"), "a");
  double acc = 0, loss = 0;
  ASSERT_TRUE(best_dev(r, acc, loss));
  EXPECT_DOUBLE_EQ(acc, 0.8);
  EXPECT_DOUBLE_EQ(loss, 0.45);
  // A trailing '/' names the same files.
  EXPECT_EQ(run_dir((d / "a").string() + "/").metrics(), (d / "a" / "metrics.jsonl").string());
  // A killed run's unterminated last line is ignored; a bad line in the middle names FILE:LINE.
  std::ofstream(d / "a" / "metrics.jsonl", std::ios::app) << "{\"kind\":\"tra";
  EXPECT_EQ(load_run((d / "a").string()).train.size(), 2u);
  test::write_text(d / "b" / "metrics.jsonl",
                   "{\"kind\":\"train\",\"step\":1,\"loss\":1,\"tokens_processed\":5}\nnot json\n{}\n");
  try {
    load_run((d / "b").string());
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl:2"), std::string::npos) << e.what();
  }
  // A malformed config.ini is an error naming it.
  test::write_text(d / "a" / "config.ini", "[x]\nno equals sign\n");
  try {
    load_run((d / "a").string());
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find((d / "a" / "config.ini").string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_runs({(d / "missing").string()}), UserError);
  // A directory of runs stands for the runs below it.
  EXPECT_EQ(expand_run_dirs({d.string()}).size(), 2u);
}

TEST(AnalysisRuns, BestDevFallsBackToTheEvalPoints) {
  const test::TempDir tmp("analysis_runs");
  const fs::path d = tmp.path();
  fixtures::FakeRun spec;
  spec.summary = false;
  fixtures::write_run(d / "r", spec);
  const runs::Run r = load_run((d / "r").string());
  EXPECT_FALSE(r.summary);
  double acc = 0, loss = 0;
  ASSERT_TRUE(best_dev(r, acc, loss));
  EXPECT_DOUBLE_EQ(acc, spec.acc);
  EXPECT_DOUBLE_EQ(loss, spec.loss);
  test::write_text(d / "s" / "summary.json", "{\"status\":\"running\"}");  // no eval yet, no best_dev_*
  test::write_text(d / "s" / "metrics.jsonl", "");
  EXPECT_FALSE(best_dev(load_run((d / "s").string()), acc, loss));
}

}  // namespace
}  // namespace sst::analysis::runs
