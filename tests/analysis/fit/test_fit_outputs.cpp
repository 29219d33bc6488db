// `sst-analyze fit`'s outputs are all or nothing, and a design it cannot identify is identified in no
// form: a fit that fails after some figures were drawn (gnuplot failing on the third) leaves the output
// folder exactly as it was (no figure without its fit.json, no temporary folder); 40 copies of one run
// (a single N and D) are "not identified" by Chinchilla's form and by Kaplan's alike; and a sweep no law is
// identified from gives no number from a rejected law anywhere: not the exponents of the law with the other
// parameter count (which_n), not the law's or Kaplan's predictions of held-out runs (null, with the verdict
// instead), nor their errors.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "synthetic.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A sweep.csv of `rows` (N non-embedding, D train tokens, loss), every run completed.
void write_csv(const fs::path& p, const std::vector<std::array<double, 3>>& rows) {
  std::ostringstream out;
  out.precision(17);
  out << "run,model,params,non_embedding_params,train_tokens,best_dev_loss,status\n";
  for (size_t i = 0; i < rows.size(); ++i)
    out << "r" << i << ",m," << rows[i][0] * 2 << "," << rows[i][0] << "," << rows[i][1] << "," << rows[i][2]
        << ",completed\n";
  sst::test::write_text(p.string(), out.str());
}

// 3 x 3 sizes and data sizes from a law with both terms.
std::vector<std::array<double, 3>> grid_rows() {
  std::vector<std::array<double, 3>> rows;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double n = std::pow(10.0, 5 + i), d = std::pow(10.0, 6 + j);
      rows.push_back({n, d, 0.5 + 40 / std::pow(n, 0.35) + 60 / std::pow(d, 0.3)});
    }
  return rows;
}

TEST(AnalysisFitOutputs, AFitFailingAfterItsFirstFiguresLeavesTheFolderAsItWas) {
  if (sst::test::run_command("command -v gnuplot").exit_code != 0) GTEST_SKIP() << "gnuplot not installed";
  const sst::test::TempDir tmp("analysis_fit_staged");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", grid_rows());
  sst::test::write_text((dir / "o" / "fit.json").string(), "{\"previous\": true}\n");
  // A gnuplot that draws two figures, then fails: the first figures exist when the fit fails.
  sst::test::write_text((dir / "bin" / "gnuplot").string(),
                        "#!/bin/sh\nn=$(cat \"$COUNT\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \"$COUNT\"\n"
                        "[ $n -lt 3 ] || { echo 'fake gnuplot: failing on purpose' >&2; exit 1; }\n"
                        "PATH=${PATH#*:} exec gnuplot \"$@\"\n");
  fs::permissions(dir / "bin" / "gnuplot", fs::perms::owner_all);
  const auto r = sst::test::run_command("PATH=" + sst::test::sh_quote((dir / "bin").string()) +
                                        ":\"$PATH\" COUNT=" + sst::test::sh_quote((dir / "count").string()) + " " +
                                        sst::test::sh_quote(sst::test::bin("sst-analyze")) + " fit --input " +
                                        sst::test::sh_quote((dir / "sweep.csv").string()) + " --output " +
                                        sst::test::sh_quote((dir / "o").string()) + " --bootstrap 0");
  ASSERT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fake gnuplot: failing on purpose"), std::string::npos) << r.output;
  EXPECT_EQ(sst::test::read_text((dir / "count").string()), "3\n") << "two figures were drawn before the failure";
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir / "o")) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"fit.json"}) << "no figure without its fit.json, no temporary";
  EXPECT_EQ(sst::test::read_text((dir / "o" / "fit.json").string()), "{\"previous\": true}\n");
}

TEST(AnalysisFitOutputs, ASingleDistinctSizeAndDataSizeIsIdentifiedInNoForm) {
  const sst::test::TempDir tmp("analysis_fit_single");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", std::vector<std::array<double, 3>>(40, {1e6, 1e8, 0.7}));
  const auto r = sst::test::run_command(sst::test::sh_quote(sst::test::bin("sst-analyze")) + " fit --input " +
                                        sst::test::sh_quote((dir / "sweep.csv").string()) + " --output " +
                                        sst::test::sh_quote((dir / "o").string()) + " --bootstrap 10 --no-plots");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = sst::test::read_json((dir / "o" / "fit.json").string());
  EXPECT_EQ(j["identifiability"]["verdict"], "not identified");
  ASSERT_TRUE(j.contains("kaplan")) << "Kaplan's form was fitted, so its verdict is the one under test";
  size_t parametric = 0;
  for (const auto& a : j["approaches"]) {
    if (!a.contains("verdict")) continue;  // skipped (no curves, no budgets)
    EXPECT_EQ(a["verdict"], "not identified") << a.dump();
    if (a["approach"].get<std::string>().rfind("3:", 0) == 0) ++parametric;
  }
  EXPECT_EQ(parametric, 2u) << "Chinchilla's and Kaplan's forms";
}

// The 3 x 3 sweep without an N term (synthetic.h) as rows for write_csv.
std::vector<std::array<double, 3>> no_n_term_rows() {
  const sst::analysis::fit::Data d = sst::analysis::fit::testing::no_n_term_sweep();
  std::vector<std::array<double, 3>> rows;
  for (size_t k = 0; k < d.size(); ++k) rows.push_back({d.n[k], d.d[k], d.loss[k]});
  return rows;
}

sst::test::CommandResult fit(const fs::path& dir, const std::string& options) {
  return sst::test::run_command(sst::test::sh_quote(sst::test::bin("sst-analyze")) + " fit --input " +
                                sst::test::sh_quote((dir / "sweep.csv").string()) + " --output " +
                                sst::test::sh_quote((dir / "o").string()) + " --no-plots " + options);
}

TEST(AnalysisFitOutputs, WhichNGivesNoExponentOfALawNotIdentified) {
  const sst::test::TempDir tmp("analysis_fit_which_n");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", no_n_term_rows());
  const auto r = fit(dir, "--bootstrap 20");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = sst::test::read_json((dir / "o" / "fit.json").string());
  ASSERT_EQ(j["identifiability"]["verdict"], "not identified");
  ASSERT_EQ(j["which_n"]["fits"].size(), 2u) << j["which_n"];
  const json& mine = j["which_n"]["fits"][0];  // the law fitted with the chosen column: the one rejected above
  EXPECT_EQ(mine["column"], j["columns"]["params"]);
  for (const auto& f : j["which_n"]["fits"]) ASSERT_TRUE(f.contains("identifiability")) << "each law's verdict: " << f;
  EXPECT_EQ(mine["identifiability"]["verdict"], "not identified") << mine;
  for (const auto& f : j["which_n"]["fits"])
    if (f["identifiability"]["verdict"] == "not identified") {
      for (const char* k : {"alpha", "beta", "n_exponent"}) EXPECT_TRUE(f[k].is_null()) << k << " in " << f;
      EXPECT_FALSE(f["identifiability"]["reasons"].empty()) << f;
    }
  const size_t at = r.output.find("which N");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string line = r.output.substr(at, r.output.find('\n', at) - at);
  EXPECT_NE(line.find(mine["column"].get<std::string>() + ": not identified: "), std::string::npos) << line;
}

TEST(AnalysisFitOutputs, AKaplanFormNotIdentifiedPredictsNoHeldOutRun) {
  const sst::test::TempDir tmp("analysis_fit_kaplan_holdout");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", no_n_term_rows());
  const auto r = fit(dir, "--bootstrap 20 --holdout 'non_embedding_params==max'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = sst::test::read_json((dir / "o" / "fit.json").string());
  ASSERT_EQ(j["kaplan"]["identifiability"]["verdict"], "not identified") << j["kaplan"];
  const json& h = j["holdout"];
  ASSERT_EQ(h["runs"].size(), 3u);
  for (const auto& row : h["runs"]) {
    ASSERT_TRUE(row.contains("kaplan_predicted")) << row;
    EXPECT_TRUE(row["kaplan_predicted"].is_null()) << row;
  }
  const std::string why = "not identified: " + j["kaplan"]["identifiability"]["reasons"][0].get<std::string>();
  EXPECT_EQ(h.value("kaplan_not_predicted", "").rfind(why, 0), 0u) << h;
  EXPECT_NE(r.output.find("Kaplan et al.'s form predicts none: " + why), std::string::npos) << r.output;
  for (const auto& f : j["which_n"]["fits"]) {  // 2 distinct N are left: no law is identified
    ASSERT_TRUE(f.contains("identifiability")) << f;
    EXPECT_EQ(f["identifiability"]["verdict"], "not identified") << f;
    EXPECT_TRUE(f["alpha"].is_null() && f["beta"].is_null() && f["n_exponent"].is_null()) << f;
  }
}

TEST(AnalysisFitOutputs, ALawNotIdentifiedPredictsNoHeldOutRun) {
  const sst::test::TempDir tmp("analysis_fit_law_holdout");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", no_n_term_rows());
  const auto r = fit(dir, "--bootstrap 20 --holdout 'non_embedding_params==max'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = sst::test::read_json((dir / "o" / "fit.json").string());
  ASSERT_EQ(j["identifiability"]["verdict"], "not identified");
  const json& h = j["holdout"];
  const std::string why = "not identified: " + j["identifiability"]["reasons"][0].get<std::string>();
  EXPECT_EQ(h.value("not_predicted", "").rfind(why, 0), 0u) << h;
  for (const char* k : {"mean_abs_relative_error", "max_abs_relative_error"}) EXPECT_TRUE(h[k].is_null()) << k << h;
  EXPECT_FALSE(h.contains("coverage")) << h;
  ASSERT_EQ(h["runs"].size(), 3u);
  for (const auto& row : h["runs"]) {
    EXPECT_TRUE(row["observed"].is_number()) << "the observation stays: " << row;
    for (const char* k : {"predicted", "relative_error"}) EXPECT_TRUE(row[k].is_null()) << k << " in " << row;
    EXPECT_EQ(row["interval"], json::array({nullptr, nullptr})) << row;
    EXPECT_FALSE(row.contains("inside")) << row;
  }
  for (const auto& f : j["which_n"]["fits"])  // neither law is identified: neither has a held-out error
    EXPECT_FALSE(f.contains("holdout_mean_abs_relative_error")) << f;
  EXPECT_EQ(j["which_n"]["by"], "in-sample objective (a law not identified predicts no held-out run)");
  // The console: the verdict in place of the errors, each run's observed loss and no prediction.
  const size_t at = r.output.find("  held out (");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string block = r.output.substr(at, r.output.find("  which N", at) - at);
  EXPECT_NE(block.find("none predicted: the law is " + why), std::string::npos) << block;
  for (const char* word : {"predicted 0", "predicted 1", "error", "%"})
    EXPECT_EQ(block.find(word), std::string::npos) << word << " in " << block;
  EXPECT_EQ(r.output.find("held-out error"), std::string::npos) << r.output;
}

// L(N) at the largest D of a sweep whose loss does not depend on N (5 sizes, 1% noise) is not identified:
// fit.json gives its verdict and objective and no E, A or alpha; L(D) at the largest N, which the data do
// pin down, keeps its values with its own verdict.
TEST(AnalysisFitOutputs, AOneVariableLawNotIdentifiedGivesNoValue) {
  const sst::test::TempDir tmp("analysis_fit_single_variable");
  const fs::path dir = tmp.path();
  sst::analysis::fit::testing::Noise noise(0.01, 5);
  std::vector<std::array<double, 3>> rows;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) {
      const double d = std::pow(10.0, 6 + j);
      rows.push_back({std::pow(10.0, 4 + 0.5 * i), d, (0.45 + 30 / std::pow(d, 0.4)) * noise()});
    }
  write_csv(dir / "sweep.csv", rows);
  const auto r = fit(dir, "--bootstrap 40");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = sst::test::read_json((dir / "o" / "fit.json").string());
  const json& n = j["single_variable"]["loss_vs_params"];
  ASSERT_TRUE(n.contains("identifiability")) << n;
  EXPECT_EQ(n["identifiability"]["verdict"], "not identified") << n;
  EXPECT_FALSE(n["identifiability"]["reasons"].empty()) << n;
  for (const char* k : {"E", "A", "alpha"}) EXPECT_TRUE(n[k].is_null()) << k << " in " << n;
  EXPECT_TRUE(!n.contains("alpha_interval") || n["alpha_interval"][0].is_null())
      << "no interval of a rejected law: " << n;
  EXPECT_TRUE(n["objective"].is_number()) << n;
  const json& d = j["single_variable"]["loss_vs_tokens"];
  ASSERT_TRUE(d.contains("identifiability")) << d;
  EXPECT_NE(d["identifiability"]["verdict"], "not identified") << d;
  EXPECT_NEAR(d["alpha"].get<double>(), 0.4, 0.1) << d;
  EXPECT_LT(d["alpha_interval"][0].get<double>(), d["alpha"].get<double>()) << d;
}

}  // namespace
