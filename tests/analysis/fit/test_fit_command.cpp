// `sst-analyze fit` end to end (analysis/fit/fit_run.cpp): the built binary on synthetic sweep.csv files
// (and run directories for the training curves) with known parameters. Pins down: fit.json, the figures, only
// finished runs fitted (early_stopped included), the D column chosen and said, the identifiability verdict
// and "n/a" instead of NaN, --holdout, total vs non-embedding N, every approach on a budget sweep, and the
// one-line file:line errors with their exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"
#include "tests/analysis/fit/synthetic.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::fit {
namespace {

using testing::Noise;

// A reduced L-BFGS grid keeps --method lbfgs/both quick; the default grid is exercised by test_varpro.
const std::string kSmallGrid =
    " --grid-a 0,5,10 --grid-b 0,5,10 --grid-e 0,0.5,1 --grid-alpha 0,0.5,1 --grid-beta 0,0.5,1";

struct CliRun {
  int rc;
  std::string output;  // stdout and stderr
};

CliRun run(const std::string& args) {
  const test::CommandResult r = test::run_command(test::sh_quote(test::bin("sst-analyze")) + " " + args);
  return {r.exit_code, r.output};
}

std::string q(const fs::path& p) { return test::sh_quote(p.string()); }

// One sweep.csv row: the columns `fit` reads, the rest as sst-sweep writes them.
struct Row {
  std::string run, model, status = "completed";
  double params = 0, non_embedding = 0, train_tokens = 0, loss = 0, budget = 0, tokens_at_best = 0;
};

void write_csv(const fs::path& p, const std::vector<Row>& rows) {
  std::ostringstream out;
  out.precision(17);
  out << "run,model,params,non_embedding_params,train_tokens,best_dev_loss,status,budget,budget_flops,"
         "tokens_at_best\n";
  for (const auto& r : rows) {
    out << r.run << ",\"" << r.model << ", a size\",";
    if (r.status == "completed" || r.status == "early_stopped")
      out << r.params << "," << r.non_embedding << "," << r.train_tokens << "," << r.loss << ",";
    else
      out << ",,,,";  // unfinished: empty numbers
    out << r.status << ",";
    if (r.budget > 0) out << r.budget << "," << r.budget << "," << r.tokens_at_best;
    out << (r.budget > 0 ? "" : ",,") << "\n";
  }
  test::write_text(p.string(), out.str());
}

// A data-size sweep from the true law: N non-embedding, total = N + 2e5 (an embedding), D = train_tokens.
std::vector<Row> law_rows(int sizes, int datas, double noise_sigma, uint64_t seed) {
  const ScalingLaw law = testing::true_law();
  Noise noise(noise_sigma, seed);
  std::vector<Row> rows;
  for (int i = 0; i < sizes; ++i)
    for (int j = 0; j < datas; ++j) {
      Row r;
      r.non_embedding = std::pow(10.0, 6 + 3.0 * i / (sizes - 1));
      r.params = r.non_embedding + 2e5;
      r.train_tokens = std::pow(10.0, 8 + 3.0 * j / (datas - 1));
      r.loss = law.loss(r.non_embedding, r.train_tokens) * noise();
      r.model = "m" + std::to_string(i);
      r.run = r.model + "_f" + std::to_string(j) + "_s1";
      r.status = (i + j) % 3 == 0 ? "early_stopped" : "completed";
      rows.push_back(r);
    }
  return rows;
}

TEST(AnalysisFitCli, WritesFitJsonAndFiguresFromFinishedRunsOnly) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  std::vector<Row> rows = law_rows(8, 8, 0.01, 5);
  rows.push_back(Row{"late_f1_s1", "late", "running"});
  rows.push_back(Row{"bad_f1_s1", "bad", "failed"});
  write_csv(dir / "sweep.csv", rows);
  const fs::path out = dir / "fit_out";
  const CliRun r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(out) +
                       " --bootstrap 30 --seed 3 --budget 1e20 --budget 1e22");
  ASSERT_EQ(r.rc, 0) << r.output;
  // What was fitted, and with which columns, is said.
  EXPECT_NE(r.output.find("1 running left out"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 failed left out"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("N = non_embedding_params, D = train_tokens"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("identifiability: IDENTIFIED"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("nan"), std::string::npos) << r.output;

  const json j = test::read_json(out / "fit.json");
  EXPECT_EQ(j["n_points"], 64);  // completed and early_stopped, not running or failed
  EXPECT_EQ(j["runs"]["left_out_unfinished"]["running"], 1);
  EXPECT_EQ(j["columns"]["tokens"], "train_tokens");
  EXPECT_NEAR(j["alpha"].get<double>(), 0.34, 0.05);
  EXPECT_NEAR(j["beta"].get<double>(), 0.28, 0.05);
  EXPECT_EQ(j["identifiability"]["verdict"], "identified");
  for (const char* k : {"E", "A", "B", "alpha", "beta", "n_exponent", "d_exponent"}) {
    ASSERT_TRUE(j["intervals"][k].is_array()) << k;
    EXPECT_LE(j["intervals"][k][0].get<double>(), j["intervals"][k][1].get<double>()) << k;
  }
  EXPECT_EQ(j["bootstrap"]["level"], 0.9);
  ASSERT_EQ(j["predictions"].size(), 2u);
  const double n = j["predictions"][1]["N_opt"], dd = j["predictions"][1]["D_opt"];
  EXPECT_NEAR(6 * n * dd / 1e22, 1, 1e-9);
  // The table of allocation exponents: approaches 1 and 2 say why they are skipped (no curves, no budgets).
  ASSERT_EQ(j["approaches"].size(), 4u);
  EXPECT_TRUE(j["approaches"][0].contains("skipped"));
  EXPECT_TRUE(j["approaches"][1].contains("skipped"));
  EXPECT_NEAR(j["approaches"][2]["a"].get<double>(), 0.28 / 0.62, 0.05);
  EXPECT_TRUE(j["approaches"][3]["a"].is_number());  // Kaplan's form
  EXPECT_TRUE(j.contains("kaplan"));
  // Total vs non-embedding N, compared.
  ASSERT_TRUE(j.contains("which_n"));
  EXPECT_EQ(j["which_n"]["fits"].size(), 2u);

  for (const char* stem : {"loss_vs_params", "loss_vs_tokens", "residuals", "isoflop_law", "compute_optimal"})
    for (const char* ext : {".png", ".svg", ".dat", ".gp"}) {
      const fs::path f = out / (std::string(stem) + ext);
      ASSERT_TRUE(fs::exists(f)) << f;
      EXPECT_GT(fs::file_size(f), 0u) << f;
    }
  // Log-log axes and bootstrap bands where the law is drawn.
  const std::string gp = test::read_text(out / "loss_vs_params.gp");
  EXPECT_NE(gp.find("set logscale x"), std::string::npos);
  EXPECT_NE(gp.find("set logscale y"), std::string::npos);
  EXPECT_NE(gp.find("filledcurves"), std::string::npos);
  EXPECT_NE(test::read_text(out / "compute_optimal.gp").find("filledcurves"), std::string::npos);
}

// A fit that is not identified presents no number as a result: the law's parameters, its allocation and
// predictions, and every rejected approach's exponents are null in fit.json, and the console gives the
// verdict and its reasons in their place.
void expect_no_rejected_result(const json& j, const std::string& output) {
  for (const char* k : {"E", "A", "B", "alpha", "beta"}) EXPECT_TRUE(j[k].is_null()) << k << " = " << j[k];
  EXPECT_TRUE(j["allocation"]["G"].is_null());
  EXPECT_TRUE(j["allocation"]["n_exponent"].is_null());
  EXPECT_EQ(j["intervals"], json::object());
  for (const auto& p : j["predictions"]) EXPECT_TRUE(p["N_opt"].is_null()) << p;
  EXPECT_TRUE(j["isoflop"].empty());
  for (const auto& a : j["approaches"])
    if (a.value("verdict", "") == "not identified") {
      EXPECT_TRUE(a["a"].is_null() && a["b"].is_null()) << a;
      EXPECT_FALSE(a["reasons"].empty()) << a;
    }
  if (j.contains("kaplan") && j["kaplan"]["identifiability"]["verdict"] == "not identified")
    EXPECT_TRUE(j["kaplan"]["alpha_N"].is_null());
  EXPECT_NE(output.find("L(N, D) = E + A / N^alpha + B / D^beta: not identified"), std::string::npos) << output;
  EXPECT_EQ(output.find("N_opt = "), std::string::npos) << "no allocation or prediction printed\n" << output;
  EXPECT_NE(output.find("no prediction (the law is not identified)"), std::string::npos) << output;
  EXPECT_NE(output.find("not identified: "), std::string::npos) << "the reasons are printed\n" << output;
}

// A 3 x 3 sweep whose loss does not depend on N: no law in N and D is identified from it.
std::vector<Row> no_n_term_rows() {
  const Data d = testing::no_n_term_sweep();
  std::vector<Row> rows(d.size());
  for (size_t k = 0; k < d.size(); ++k) {
    rows[k].non_embedding = d.n[k], rows[k].params = d.n[k] * 3, rows[k].train_tokens = d.d[k];
    rows[k].loss = d.loss[k];
    rows[k].run = "r" + std::to_string(k / 3) + std::to_string(k % 3);
  }
  return rows;
}

// The defect this pins down: a 3 x 3 sweep whose loss does not depend on N gave alpha < 0 and N_opt = nan with
// exit 0, silently. Now: a verdict with reasons, "n/a" instead of NaN, every figure, and exit 3 on request.
TEST(AnalysisFitCli, AnUnidentifiedFitSaysSoAndPrintsNoNaN) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", no_n_term_rows());
  const std::string args =
      "fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") + " --bootstrap 30 --budget 1e20";
  CliRun r = run(args);
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("identifiability: NOT IDENTIFIED: "), std::string::npos) << r.output;
  for (const char* bad : {"nan", "NaN", "inf"}) EXPECT_EQ(r.output.find(bad), std::string::npos) << bad << r.output;
  const json j = test::read_json(dir / "o" / "fit.json");
  EXPECT_EQ(j["identifiability"]["verdict"], "not identified");
  EXPECT_FALSE(j["identifiability"]["reasons"].empty());
  expect_no_rejected_result(j, r.output);
  for (const char* stem : {"loss_vs_params", "loss_vs_tokens", "residuals", "compute_optimal"})
    EXPECT_TRUE(fs::exists(dir / "o" / (std::string(stem) + ".png"))) << stem;
  // Nothing is drawn as a law: no fitted curve in the law figures, no line in compute_optimal.
  for (const char* stem : {"loss_vs_params", "loss_vs_tokens"})
    EXPECT_EQ(test::read_text((dir / "o" / (std::string(stem) + ".dat")).string()).find("fitted L"), std::string::npos)
        << stem;
  EXPECT_EQ(test::read_text((dir / "o" / "compute_optimal.dat").string()).find("N_{opt} ∝"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "o" / "isoflop_law.png")) << "the IsoFLOP profiles of a rejected law";
  r = run(args + " --require-identified --no-plots");
  EXPECT_EQ(r.rc, 3) << r.output;
}

// The largest model held out: predicted from the rest within the noise, with a prediction interval; and the
// N columns compared by that prediction error.
TEST(AnalysisFitCli, HoldoutPredictsTheLargestModel) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", law_rows(7, 7, 0.01, 8));
  const CliRun r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") +
                       " --no-plots --bootstrap 40 --holdout 'non_embedding_params==max'");
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("held out (non_embedding_params==max): 7 run(s)"), std::string::npos) << r.output;
  const json j = test::read_json(dir / "o" / "fit.json");
  EXPECT_EQ(j["n_points"], 42);
  const json& h = j["holdout"];
  ASSERT_EQ(h["runs"].size(), 7u);
  EXPECT_LT(h["mean_abs_relative_error"].get<double>(), 0.05);
  EXPECT_TRUE(h.contains("coverage"));
  for (const auto& row : h["runs"]) {
    EXPECT_NEAR(row["params"].get<double>(), 1e9, 1);
    EXPECT_TRUE(row["interval"][0].is_number());
    EXPECT_LE(row["interval"][0].get<double>(), row["interval"][1].get<double>());
    EXPECT_NEAR(row["relative_error"].get<double>(), row["predicted"].get<double>() / row["observed"].get<double>() - 1,
                1e-12);
  }
  EXPECT_EQ(j["which_n"]["by"], "held-out prediction error");
  EXPECT_EQ(j["which_n"]["better"], "non_embedding_params");  // the law was generated in it
  const json& mine = j["which_n"]["fits"][0];
  ASSERT_TRUE(mine.contains("identifiability")) << mine;
  EXPECT_NE(mine["identifiability"]["verdict"], "not identified") << mine;
  EXPECT_NEAR(mine["alpha"].get<double>(), testing::true_law().alpha, 0.1) << mine;
  const bool kaplan_rejected = j["kaplan"]["identifiability"]["verdict"] == "not identified";
  for (const auto& row : h["runs"]) EXPECT_EQ(row["kaplan_predicted"].is_null(), kaplan_rejected) << row;
  EXPECT_EQ(h.contains("kaplan_not_predicted"), kaplan_rejected) << h;

  const CliRun none = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o2") +
                          " --no-plots --holdout 'non_embedding_params>1e12'");
  EXPECT_EQ(none.rc, 1);
  EXPECT_NE(none.output.find("matches no finished run"), std::string::npos) << none.output;
  EXPECT_EQ(run("fit --input " + q(dir / "sweep.csv") + " --holdout 'params~3'").rc, 1);
}

// A budget sweep (IsoFLOP design) with training curves: approaches 1 and 2 are fitted next to approach 3 and
// find the law's allocation; D defaults to tokens_at_best; the approach figures are drawn.
TEST(AnalysisFitCli, BudgetSweepWithCurvesFitsEveryApproach) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const ScalingLaw law = testing::true_law();
  const Allocation alloc = allocation(law);
  std::vector<Row> rows;
  Noise noise(0.003, 6);
  for (double c : {1e18, 1e19, 1e20, 1e21}) {
    for (int k = -3; k <= 3; ++k) {
      Row r;
      r.non_embedding = alloc.n_opt(c) * std::pow(10.0, 0.3 * k);
      r.params = r.non_embedding;
      r.budget = c;
      r.tokens_at_best = c / (6 * r.non_embedding);
      r.train_tokens = 1e12;  // every run sees the same data
      r.loss = law.loss(r.non_embedding, r.tokens_at_best) * noise();
      r.run = "n" + std::to_string(k + 3) + "_c" + std::to_string(static_cast<int>(std::log10(c)));
      // Its curve: the law along its tokens (eval records as sst-train writes them).
      std::ostringstream m;
      m.precision(17);
      for (int e = 1; e <= 10; ++e) {
        const double t = r.tokens_at_best * e / 10;
        m << R"({"kind":"eval","step":)" << e * 10 << R"(,"dev_loss":)" << law.loss(r.non_embedding, t)
          << R"(,"dev_acc":0.8,"tokens_processed":)" << t << "}\n";
      }
      test::write_text((dir / "runs" / r.run / "metrics.jsonl").string(), m.str());
      rows.push_back(r);
    }
  }
  write_csv(dir / "sweep.csv", rows);
  const CliRun r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") + " --bootstrap 20");
  ASSERT_EQ(r.rc, 0) << r.output;
  const json j = test::read_json(dir / "o" / "fit.json");
  EXPECT_EQ(j["columns"]["tokens"], "tokens_at_best");
  const json& a = j["approaches"];
  ASSERT_FALSE(a[0].contains("skipped")) << a[0];
  ASSERT_FALSE(a[1].contains("skipped")) << a[1];
  EXPECT_NEAR(a[1]["a"].get<double>(), alloc.n_exponent, 0.05);  // IsoFLOP parabolas
  EXPECT_NEAR(a[2]["a"].get<double>(), alloc.n_exponent, 0.05);  // parametric
  EXPECT_TRUE(a[0]["a"].is_number());                            // envelope
  EXPECT_NEAR(a[1]["a"].get<double>() + a[1]["b"].get<double>(), 1, 1e-9);
  for (const char* stem : {"isoflop", "envelope", "compute_optimal"})
    EXPECT_TRUE(fs::exists(dir / "o" / (std::string(stem) + ".png"))) << stem;
}

// The smallest budget's sizes all lie above its optimum: its parabola's vertex is an extrapolation. It is
// not stored as that budget's N_opt or loss_opt, not drawn, and the figure's N axis spans the runs and the
// parabolas only (the defect: an axis from 1e-22 because of such a vertex).
TEST(AnalysisFitCli, AnUnbracketedIsoflopVertexIsNeitherStoredNorDrawn) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const ScalingLaw law = testing::true_law();
  const Allocation alloc = allocation(law);
  std::vector<Row> rows;
  Noise noise(0.003, 8);
  double n_lo = INFINITY, n_hi = 0;
  for (double c : {1e18, 1e19, 1e20, 1e21})
    for (int k = -3; k <= 3; ++k) {
      Row r;
      r.non_embedding = r.params = alloc.n_opt(c) * std::pow(10.0, 0.3 * (c == 1e18 ? k + 6 : k));
      r.budget = c;
      r.tokens_at_best = c / (6 * r.non_embedding);
      r.train_tokens = 1e12;
      r.loss = law.loss(r.non_embedding, r.tokens_at_best) * noise();
      r.run = "n" + std::to_string(k + 3) + "_c" + std::to_string(static_cast<int>(std::log10(c)));
      rows.push_back(r);
      n_lo = std::min(n_lo, r.non_embedding), n_hi = std::max(n_hi, r.non_embedding);
    }
  write_csv(dir / "sweep.csv", rows);
  const CliRun r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") + " --bootstrap 10");
  ASSERT_EQ(r.rc, 0) << r.output;
  const json j = test::read_json(dir / "o" / "fit.json");
  const json& profile = j["approaches"][1]["profiles"][0];
  EXPECT_EQ(profile["flops"], 1e18);
  EXPECT_FALSE(profile["bracketed"].get<bool>());
  EXPECT_TRUE(profile["n_opt"].is_null()) << profile;
  EXPECT_TRUE(profile["loss_opt"].is_null()) << profile;
  EXPECT_EQ(j["approaches"][1]["points"], 3) << "the other three budgets bracket theirs";
  const std::string gp = test::read_text((dir / "o" / "isoflop.gp").string());
  const size_t at = gp.find("set xrange [");
  ASSERT_NE(at, std::string::npos) << gp;
  const double lo = std::stod(gp.substr(at + 12)), hi = std::stod(gp.substr(gp.find(':', at) + 1));
  EXPECT_GE(lo, n_lo / 2) << gp.substr(at, 60);
  EXPECT_LE(hi, n_hi * 2) << gp.substr(at, 60);
  EXPECT_EQ(gp.find("not bracketed"), std::string::npos);
}

TEST(AnalysisFitCli, MethodBothChecksVariableProjectionAgainstLbfgs) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  write_csv(dir / "sweep.csv", law_rows(5, 5, 0.0, 1));
  const CliRun r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") +
                       " --no-plots --bootstrap 0 --no-kaplan --method both" + kSmallGrid);
  ASSERT_EQ(r.rc, 0) << r.output;
  const json j = test::read_json(dir / "o" / "fit.json");
  ASSERT_TRUE(j["method"].contains("lbfgs_check"));
  EXPECT_EQ(j["method"]["lbfgs_check"]["starts"], 243);
  EXPECT_LE(j["objective"].get<double>(), j["method"]["lbfgs_check"]["objective"].get<double>() * (1 + 1e-9));
  EXPECT_NE(r.output.find("L-BFGS check"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no bootstrap"), std::string::npos) << r.output;
}

TEST(AnalysisFitCli, BadInputNamesTheFileAndLine) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const fs::path csv = dir / "bad.csv";
  test::write_text(csv, "params,tokens,loss\n1e6,1e8,3.0\n2e6,1e8,-1\n");
  CliRun r = run("fit --input " + q(csv) + " --output " + q(dir / "o"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.output,
            "sst-analyze fit: error: " + csv.string() + ":3: column 'loss' value '-1' is not finite and positive\n");
  EXPECT_FALSE(fs::exists(dir / "o" / "fit.json"));

  test::write_text(csv, "params,tokens,loss\n1e6,abc,3.0\n");
  r = run("fit --input " + q(csv));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.output.find(csv.string() + ":2: column 'tokens' value 'abc' is not a number"), std::string::npos)
      << r.output;

  r = run("fit --input " + q(csv) + " --loss-column best_dev_loss");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.output.find("no column 'best_dev_loss' (available columns: params, tokens, loss)"), std::string::npos)
      << r.output;

  test::write_text(csv, "run,params,tokens,loss,status\na,1e6,1e8,3,running\n");
  r = run("fit --input " + q(csv));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.output.find("no finished runs"), std::string::npos) << r.output;
}

// Issue 26's hostile fit inputs: each a one-line error naming the problem and the place (or, for text that
// is not UTF-8, handled), never a library's exception or an exhausted memory.
TEST(AnalysisFitCli, HostileInputsGetOneLineErrorsOrAreHandled) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const fs::path csv = dir / "h.csv";
  test::write_text(csv, "params,tokens,loss\n1e6,1e8,3.0\n2e6,1e308,2.5\n");
  CliRun r = run("fit --input " + q(csv) + " --output " + q(dir / "o"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.output, "sst-analyze fit: error: " + csv.string() +
                          ":3: column 'tokens' value '1e308' is too large (at most 1e30)\n");

  r = run("fit --input " + q(csv) + " --isoflop-budgets 100000000");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("--isoflop-budgets = 100000000: must be in [0, 1000]"), std::string::npos) << r.output;

  std::vector<Row> rows;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Row w;
      w.non_embedding = w.params = std::pow(10.0, 6 + i);
      w.train_tokens = std::pow(10.0, 8 + j);
      w.loss = 0.5 + 300 / std::pow(w.non_embedding, 0.34) + 400 / std::pow(w.train_tokens, 0.28);
      w.run = "r" + std::to_string(3 * i + j) + (i == 2 && j == 2 ? "\xff" : "");  // not UTF-8
      rows.push_back(w);
    }
  write_csv(dir / "sweep.csv", rows);
  r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") + " --no-plots --holdout 'params>0'");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.output,
            "sst-analyze fit: error: --holdout 'params>0' matches every finished run (9): none is left to fit\n");

  r = run("fit --input " + q(dir / "sweep.csv") + " --output " + q(dir / "o") +
          " --no-plots --bootstrap 5 --holdout 'params==max'");
  ASSERT_EQ(r.rc, 0) << r.output;
  const json j = test::read_json(dir / "o" / "fit.json");
  bool found = false;
  for (const auto& h : j["holdout"]["runs"]) found = found || h["run"] == "r8\xef\xbf\xbd";  // U+FFFD
  EXPECT_TRUE(found) << j["holdout"].dump();
}

TEST(AnalysisFitCli, UsageAndHelp) {
  CliRun r = run("--help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.output.find("fit "), std::string::npos) << r.output;
  r = run("fit --help");
  EXPECT_EQ(r.rc, 0);
  for (const char* opt : {"--bootstrap", "--holdout", "--method", "--require-identified"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
  EXPECT_EQ(run("fit").rc, 2);  // --input is required
  EXPECT_EQ(run("fit --input x.csv --bootstrap -1").rc, 2);
  EXPECT_EQ(run("fit --input x.csv --grid-alpha 0,zz").rc, 2);
  EXPECT_EQ(run("fit --input x.csv --method newton").rc, 2);
  EXPECT_EQ(run("fit --input x.csv --level 1.5").rc, 2);
  // Each value is checked once, by the option table, in one line naming the option and what it accepts.
  const std::vector<std::pair<std::string, std::string>> refused{
      {"--method newton", "'newton') for option '--method' is invalid: must be varpro or lbfgs or both"},
      {"--level 1.5", "--level = 1.5: must be in (0, 1)"},
      {"--level 0", "--level = 0: must be in (0, 1)"},
      {"--delta 0", "--delta = 0: must be > 0"},
      {"--delta nan", "--delta must be a finite number"},
      {"--budget 1e18 --budget -3", "--budget = -3: must be > 0"},
      {"--threads -1", "--threads = -1: must be >= 0"},
  };
  for (const auto& [args, message] : refused) {
    const CliRun bad = run("fit --input x.csv " + args);
    EXPECT_EQ(bad.rc, 2) << args;
    EXPECT_EQ(bad.output.rfind("sst-analyze fit: error: ", 0), 0u) << bad.output;
    EXPECT_NE(bad.output.find(message), std::string::npos) << bad.output;
    EXPECT_EQ(bad.output.find('\n'), bad.output.size() - 1) << "one line: " << bad.output;
  }
  EXPECT_NE(run("fit --help").output.find("--method varpro|lbfgs|both (=varpro)"), std::string::npos);
}

}  // namespace
}  // namespace sst::analysis::fit
