// `sst-analyze evaluate` end to end (analysis/eval/evaluate_command.cpp): the built binary on a tiny
// checkpoint trained from the real SST-2 (skipped without SST2_DIR), and the errors that need no data.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::eval {
namespace {

using namespace fixtures;

class AnalysisEvaluateCli : public TinyRun {};

TEST_F(AnalysisEvaluateCli, DevSplitWritesMetricsSlicesAndDiagram) {
  const std::string o = out("eval_dev");
  const auto r = run_command(analyze() + " evaluate --checkpoint " + sh_quote(ckpt()) + " --data " + sh_quote(data_) +
                             " --split dev --threads 1 --output " + sh_quote(o));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = read_json(o + "/evaluation.json");
  EXPECT_TRUE(j["labeled"].get<bool>());
  EXPECT_EQ(j["n"].get<int>(), 872);
  const auto& m = j["confusion"]["matrix"];
  const int total = m[0][0].get<int>() + m[0][1].get<int>() + m[1][0].get<int>() + m[1][1].get<int>();
  EXPECT_EQ(total, 872);
  EXPECT_NEAR(j["accuracy"].get<double>(), (m[0][0].get<double>() + m[1][1].get<double>()) / 872, 1e-12);
  EXPECT_GT(j["log_loss"].get<double>(), 0);
  EXPECT_GE(j["calibration"]["ece"].get<double>(), 0);
  EXPECT_EQ(j["calibration"]["bins"].size(), 15u);
  EXPECT_LE(j["most_confident_errors"].size(), 10u);
  int negation = 0, without = 0;
  for (const auto& s : j["slices"]["rows"]) {
    if (s["name"] == "with negation") negation = s["count"];
    if (s["name"] == "without negation") without = s["count"];
  }
  EXPECT_GT(negation, 50);  // SST-2 dev has a few hundred negated sentences
  EXPECT_EQ(negation + without, 872);
  EXPECT_NE(j["slices"]["definitions"]["rare_tokens"].get<std::string>().find("training split"), std::string::npos);
  EXPECT_TRUE(nonempty(o + "/reliability.png"));
  EXPECT_TRUE(nonempty(o + "/reliability.svg"));
  EXPECT_NE(read_text(o + "/evaluation.md").find("## Slices"), std::string::npos);
  EXPECT_EQ(lines(read_text(o + "/predictions.tsv")), 873u);

  // The raw dev TSV, tokenized with the checkpoint's tokenizer, gives the same predictions.
  const std::string t = out("eval_tsv");
  const auto r2 = run_command(analyze() + " evaluate --checkpoint " + sh_quote(ckpt()) + " --tsv " +
                              sh_quote(test::sst2_dir() + "/dev.tsv") + " --threads 1 --output " + sh_quote(t));
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const json k = read_json(t + "/evaluation.json");
  EXPECT_EQ(k["n"].get<int>(), 872);
  EXPECT_NEAR(k["accuracy"].get<double>(), j["accuracy"].get<double>(), 2.0 / 872);
}

TEST_F(AnalysisEvaluateCli, UnlabeledTestSplitWritesPredictionsOnly) {
  const std::string o = out("eval_test");
  const auto r = run_command(analyze() + " evaluate --checkpoint " + sh_quote(ckpt()) + " --data " + sh_quote(data_) +
                             " --split test --threads 1 --output " + sh_quote(o));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unlabeled"), std::string::npos) << r.output;
  const json j = read_json(o + "/evaluation.json");
  EXPECT_FALSE(j["labeled"].get<bool>());
  EXPECT_FALSE(j.contains("accuracy"));
  EXPECT_EQ(lines(read_text(o + "/predictions.tsv")), 1822u);
  EXPECT_FALSE(fs::exists(o + "/reliability.png"));
}

TEST_F(AnalysisEvaluateCli, UnknownSplitIsAUsageErrorAndWritesNothing) {
  const auto r = run_command(analyze() + " evaluate --checkpoint " + sh_quote(ckpt()) + " --data " + sh_quote(data_) +
                             " --split nosuch --output " + sh_quote(out("nosuch")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("'nosuch'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--split"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("must be dev or test"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out("nosuch") + "/evaluation.json"));
}

TEST(AnalysisEvaluateCliNoData, BadInputGivesOneLineErrors) {
  auto r = run_command(analyze() + " evaluate --checkpoint /nonexistent.pt --data /nonexistent.h5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("error: checkpoint /nonexistent.pt does not exist"), std::string::npos) << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  r = run_command(analyze() + " evaluate --checkpoint /nonexistent.pt");  // neither --data nor --tsv
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // The option table refuses a value out of range before anything is read, naming the option.
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"--bins 0", "--bins = 0: must be >= 1"},
           {"--rare-fraction 1.5", "--rare-fraction = 1.5: must be in [0, 1]"},
           {"--top-k -1", "--top-k = -1: must be >= 0"}}) {
    r = run_command(analyze() + " evaluate --checkpoint /nonexistent.pt --tsv /nonexistent.tsv " + args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("sst-analyze evaluate: error: " + message), std::string::npos) << r.output;
    EXPECT_EQ(lines(r.output), 1u) << r.output;
  }
}

}  // namespace
}  // namespace sst::analysis::eval
