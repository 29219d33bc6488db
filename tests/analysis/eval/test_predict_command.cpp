// `sst-analyze predict` end to end (analysis/eval/predict_command.cpp): arguments and stdin on a tiny
// checkpoint trained from the real SST-2 (skipped without SST2_DIR), agreeing with `evaluate --tsv`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::eval {
namespace {

using namespace fixtures;

class AnalysisPredictCli : public TinyRun {};

TEST_F(AnalysisPredictCli, ArgumentsStdinAndAgreementWithEvaluate) {
  const auto r = run_command(analyze() + " predict --checkpoint " + sh_quote(ckpt()) +
                             " --threads 1 --format jsonl 'a gorgeous , moving film' 'dull and lifeless' 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream in(r.output);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    EXPECT_GE(j["probability"].get<double>(), 0.5);
    EXPECT_NEAR(j["p_positive"].get<double>(),
                j["label"] == 1 ? j["probability"].get<double>() : 1 - j["probability"].get<double>(), 1e-6);
    ++n;
  }
  EXPECT_EQ(n, 2);
  // stdin, TSV: the first dev sentence scores as in evaluate --tsv's predictions.tsv (same code path).
  std::string first;
  {
    std::ifstream dev(test::sst2_dir() + "/dev.tsv");
    std::getline(dev, first);  // header
    std::getline(dev, first);
    first = first.substr(0, first.find('\t'));
  }
  test::write_text(out("stdin.txt"), first + "\n\n");
  const auto s = run_command(analyze() + " predict --checkpoint " + sh_quote(ckpt()) + " --threads 1 < " +
                             sh_quote(out("stdin.txt")));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  ASSERT_EQ(lines(s.output), 2u) << s.output;  // header + one sentence (the blank line is skipped)
  EXPECT_EQ(s.output.rfind("label\tname\tprobability\tp_positive\tsentence\n", 0), 0u);
  const std::string row = s.output.substr(s.output.find('\n') + 1);
  double p_predict = std::stod(row.substr(row.find('\t', row.find('\t', row.find('\t') + 1) + 1) + 1));
  // Its own evaluate --tsv run: each ctest test is a separate process, so no test relies on another.
  const std::string t = out("eval_tsv_for_predict");
  const auto e = run_command(analyze() + " evaluate --checkpoint " + sh_quote(ckpt()) + " --tsv " +
                             sh_quote(test::sst2_dir() + "/dev.tsv") + " --threads 1 --output " + sh_quote(t));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  const std::string preds = read_text(t + "/predictions.tsv");
  if (!preds.empty()) {
    const std::string r1 = preds.substr(preds.find('\n') + 1);
    std::istringstream f(r1);
    std::string idx, label, predicted, p0, p1;
    std::getline(f, idx, '\t'), std::getline(f, label, '\t'), std::getline(f, predicted, '\t');
    std::getline(f, p0, '\t'), std::getline(f, p1, '\t');
    EXPECT_NEAR(p_predict, std::stod(p1), 1e-4);
  }
}

TEST(AnalysisPredictCliNoData, UnknownFormatIsAUsageError) {
  const auto r = run_command(analyze() + " predict --checkpoint /nonexistent.pt --format xml hi");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("'xml') for option '--format' is invalid: must be tsv or jsonl"), std::string::npos)
      << r.output;
  const auto b = run_command(analyze() + " predict --checkpoint /nonexistent.pt --batch-size 0 hi");
  EXPECT_EQ(b.exit_code, 2) << b.output;
  EXPECT_NE(b.output.find("--batch-size = 0: must be >= 1"), std::string::npos) << b.output;
}

}  // namespace
}  // namespace sst::analysis::eval
