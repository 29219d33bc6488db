// sst-analyze evaluate / predict / attention / curves / ablations / report end to end: the built binary
// on a tiny checkpoint that this test trains from the real SST-2 data (skipped without SST2_DIR), plus
// curves/ablations/report on fabricated run and sweep directories (no data needed).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;
using nlohmann::json;

namespace {

const std::string kAnalyze = bin("sst-analyze");

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

bool nonempty(const fs::path& p) { return fs::exists(p) && fs::file_size(p) > 0; }

// One tiny model for the whole suite: 40 steps of configs/tiny.ini on one rank (~15 s on 2 cores).
class AnalysisCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (sst2_dir().empty()) return;
    data_ = prepared_sst2();
    dir_ = std::make_unique<TempDir>("analysis_cli");
    run_ = *dir_ / "run";
    const auto r =
        run_command(sh_quote(bin("sst-train")) + " --config " +
                    sh_quote(std::string(SST_SOURCE_DIR) + "/configs/tiny.ini") + " --data " + sh_quote(data_) +
                    " --out-dir " + sh_quote(run_) + " --train.max_steps=40 --train.eval_every=20 --train.threads=1");
    train_output_ = r.output;
    trained_ = r.exit_code == 0;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override {
    SST_REQUIRE_SST2();
    ASSERT_TRUE(trained_) << train_output_;
  }
  static std::string ckpt() { return run_ + "/checkpoints/best.pt"; }
  static std::string out(const std::string& name) { return *dir_ / name; }

  static inline std::string data_, run_, train_output_;
  static inline bool trained_ = false;
  static inline std::unique_ptr<TempDir> dir_;
};

TEST_F(AnalysisCli, EvaluateDevSplitWritesMetricsSlicesAndDiagram) {
  const std::string o = out("eval_dev");
  const auto r = run_command(kAnalyze + " evaluate --checkpoint " + sh_quote(ckpt()) + " --data " + sh_quote(data_) +
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
  const auto r2 = run_command(kAnalyze + " evaluate --checkpoint " + sh_quote(ckpt()) + " --tsv " +
                              sh_quote(sst2_dir() + "/dev.tsv") + " --threads 1 --output " + sh_quote(t));
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const json k = read_json(t + "/evaluation.json");
  EXPECT_EQ(k["n"].get<int>(), 872);
  EXPECT_NEAR(k["accuracy"].get<double>(), j["accuracy"].get<double>(), 2.0 / 872);
}

TEST_F(AnalysisCli, EvaluateUnlabeledTestSplitWritesPredictionsOnly) {
  const std::string o = out("eval_test");
  const auto r = run_command(kAnalyze + " evaluate --checkpoint " + sh_quote(ckpt()) + " --data " + sh_quote(data_) +
                             " --split test --threads 1 --output " + sh_quote(o));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unlabeled"), std::string::npos) << r.output;
  const json j = read_json(o + "/evaluation.json");
  EXPECT_FALSE(j["labeled"].get<bool>());
  EXPECT_FALSE(j.contains("accuracy"));
  EXPECT_EQ(lines(read_text(o + "/predictions.tsv")), 1822u);
  EXPECT_FALSE(fs::exists(o + "/reliability.png"));
}

TEST_F(AnalysisCli, PredictArgumentsStdinAndAgreementWithEvaluate) {
  const auto r = run_command(kAnalyze + " predict --checkpoint " + sh_quote(ckpt()) +
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
    std::ifstream dev(sst2_dir() + "/dev.tsv");
    std::getline(dev, first);  // header
    std::getline(dev, first);
    first = first.substr(0, first.find('\t'));
  }
  write_text(out("stdin.txt"), first + "\n\n");
  const auto s = run_command(kAnalyze + " predict --checkpoint " + sh_quote(ckpt()) + " --threads 1 < " +
                             sh_quote(out("stdin.txt")));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  ASSERT_EQ(lines(s.output), 2u) << s.output;  // header + one sentence (the blank line is skipped)
  EXPECT_EQ(s.output.rfind("label\tname\tprobability\tp_positive\tsentence\n", 0), 0u);
  const std::string row = s.output.substr(s.output.find('\n') + 1);
  double p_predict = std::stod(row.substr(row.find('\t', row.find('\t', row.find('\t') + 1) + 1) + 1));
  // Its own evaluate --tsv run: each ctest test is a separate process, so no test relies on another.
  const std::string t = out("eval_tsv_for_predict");
  const auto e = run_command(kAnalyze + " evaluate --checkpoint " + sh_quote(ckpt()) + " --tsv " +
                             sh_quote(sst2_dir() + "/dev.tsv") + " --threads 1 --output " + sh_quote(t));
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

TEST_F(AnalysisCli, AttentionWritesHeatmapsRolloutAndWeights) {
  const std::string o = out("attention");
  const auto r = run_command(kAnalyze + " attention --checkpoint " + sh_quote(ckpt()) + " --threads 1 --output " +
                             sh_quote(o) + " \"it 's not bad at all\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = read_json(o + "/attention.json");
  ASSERT_EQ(j["sentences"].size(), 1u);
  const json& s = j["sentences"][0];
  EXPECT_EQ(s["pieces"][0], "[CLS]");
  const size_t T = s["pieces"].size();
  ASSERT_EQ(s["layers"].size(), 2u);     // tiny: 2 layers
  ASSERT_EQ(s["layers"][0].size(), 4u);  // of 4 heads
  for (const auto& layer : s["layers"])
    for (const auto& head : layer)
      for (const auto& row : head) {
        ASSERT_EQ(row.size(), T);
        double sum = 0;
        for (const auto& w : row) sum += w.get<double>();
        EXPECT_NEAR(sum, 1.0, 1e-5);  // softmax rows
      }
  double cls = 0;
  for (const auto& w : s["rollout_to_cls"]) cls += w.get<double>();
  EXPECT_NEAR(cls, 1.0, 1e-6);
  for (const char* f :
       {"sentence_1_layer_1.png", "sentence_1_layer_2.svg", "sentence_1_rollout.png", "sentence_1_rollout.svg"})
    EXPECT_TRUE(nonempty(o + "/" + f)) << f;
}

TEST_F(AnalysisCli, RunReportIsSelfContained) {
  const std::string o = out("report");
  const auto r = run_command(kAnalyze + " report " + sh_quote(run_) + " --data " + sh_quote(data_) +
                             " --threads 1 --output " + sh_quote(o));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = read_text(o + "/report.html");
  EXPECT_GE(lines(html), 10u);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(html.find("src=\"curves/"), std::string::npos);
  const std::string md = read_text(o + "/report.md");
  for (const char* want :
       {"## Summary", "## Training curves", "reliability", "## Attention example", "Accuracy by slice"})
    EXPECT_NE(md.find(want), std::string::npos) << want;
}

TEST_F(AnalysisCli, BadInputGivesOneLineErrors) {
  auto r = run_command(kAnalyze + " evaluate --checkpoint /nonexistent.pt --data " + sh_quote(data_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("error: checkpoint /nonexistent.pt does not exist"), std::string::npos) << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  r = run_command(kAnalyze + " evaluate --checkpoint " + sh_quote(ckpt()) + " --data " + sh_quote(data_) +
                  " --split nosuch --output " + sh_quote(out("nosuch")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no split 'nosuch'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out("nosuch") + "/evaluation.json"));
  r = run_command(kAnalyze + " evaluate --checkpoint " + sh_quote(ckpt()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_command(kAnalyze + " attention --checkpoint " + sh_quote(ckpt()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_command(kAnalyze + " predict --checkpoint " + sh_quote(ckpt()) + " --format xml hi");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

// ---- no data needed: fabricated runs and a sweep ---------------------------------------------------

void make_run(const fs::path& dir, const std::string& lr, int seed, double params, double tokens, double loss) {
  fs::create_directories(dir);
  write_text((dir / "config.ini").string(), "[model]\nd_model = 64\n\n[train]\nseed = " + std::to_string(seed) +
                                                "\nlr = " + lr + "\n\n[output]\ndir = " + dir.string() + "\n");
  std::ostringstream m;
  m.precision(10);
  for (int s = 1; s <= 4; ++s) {
    m << "{\"kind\":\"train\",\"step\":" << s * 10 << ",\"loss\":" << loss + 0.4 / s
      << ",\"tokens_processed\":" << tokens * s / 4 << "}\n";
    m << "{\"kind\":\"eval\",\"step\":" << s * 10 << ",\"dev_loss\":" << loss + 0.2 / s
      << ",\"dev_acc\":" << 0.9 - loss / 4 << ",\"tokens_processed\":" << tokens * s / 4 << "}\n";
  }
  write_text((dir / "metrics.jsonl").string(), m.str());
  write_text((dir / "summary.json").string(), json{{"status", "completed"},
                                                   {"best_dev_loss", loss},
                                                   {"best_dev_acc", 0.9 - loss / 4},
                                                   {"params", params},
                                                   {"non_embedding_params", params},
                                                   {"tokens_processed", tokens}}
                                                  .dump());
}

TEST(AnalysisCliNoData, CurvesAblationsAndSweepReport) {
  TempDir d("analysis_cli_nodata");
  const fs::path sweep = fs::path(d.path()) / "sweep";
  std::string csv =
      "run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,"
      "best_dev_loss,best_dev_acc,epochs,wall_s,world_size,status\n";
  int i = 0;
  for (double n : {1e5, 3e5, 1e6})
    for (double t : {1e6, 3e6, 1e7}) {
      const double loss = 0.3 + 40 / std::pow(n, 0.4) + 300 / std::pow(t, 0.35);
      const std::string name = "r" + std::to_string(i++);
      make_run(sweep / "runs" / name, i % 2 ? "0.001" : "0.002", 1 + i % 3, n, t, loss);
      std::ostringstream row;
      row.precision(12);
      row << name << ",m," << n << "," << n << ",1," << t << "," << t << "," << 6 * n * t << "," << loss
          << ",0.8,1,1,1," << (i == 9 ? "failed" : "completed") << "\n";
      csv += row.str();
    }
  write_text((sweep / "sweep.csv").string(), csv);

  auto r = run_command(kAnalyze + " curves " + sh_quote((sweep / "runs" / "r0").string()) + " " +
                       sh_quote((sweep / "runs" / "r1").string()) + " --output " + sh_quote(d / "curves"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"curves_steps.png", "curves_steps.svg", "curves_tokens.png", "curves_tokens.svg"})
    EXPECT_TRUE(nonempty(d / "curves" + "/" + f)) << f;
  EXPECT_EQ(read_json(d / "curves/curves.json")["runs"].size(), 2u);

  r = run_command(kAnalyze + " ablations " + sh_quote(sweep.string()) + " --baseline r0 --ignore model.* --output " +
                  sh_quote(d / "abl"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json a = read_json(d / "abl/ablations.json");
  ASSERT_EQ(a["groups"].size(), 2u);  // lr 0.002 (baseline) and 0.001; seeds and output dirs ignored
  EXPECT_TRUE(a["groups"][0]["baseline"].get<bool>());
  EXPECT_EQ(a["groups"][0]["n_seeds"].get<int>() + a["groups"][1]["n_seeds"].get<int>(), 9);
  EXPECT_EQ(a["groups"][1]["differences"][0]["key"], "train.lr");
  EXPECT_NE(read_text(d / "abl/ablations.md").find("train.lr: 0.001 → 0.002"), std::string::npos);
  r = run_command(kAnalyze + " ablations " + sh_quote(sweep.string()) + " --baseline nosuch");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--baseline 'nosuch'"), std::string::npos) << r.output;

  r = run_command(kAnalyze + " report " + sh_quote(sweep.string()) + " --output " + sh_quote(d / "report"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = read_text(d / "report/report.md");
  EXPECT_NE(md.find("## Sweep table"), std::string::npos);
  EXPECT_NE(md.find("## Training curves"), std::string::npos);
  EXPECT_NE(md.find("## Scaling-law fit"), std::string::npos);
  EXPECT_NE(read_text(d / "report/report.html").find("data:image/png;base64,"), std::string::npos);

  r = run_command(kAnalyze + " report " + sh_quote(d / "nothing") + " --output " + sh_quote(d / "r2"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(d / "r2/report.md"));
  r = run_command(kAnalyze + " curves --output x");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
