// `sst-analyze fit` end to end (analysis/fit/fit_command.cpp): the built binary on a synthetic sweep.csv
// writes fit.json and the figures; bad input gives the one-line file:line errors and the documented exit
// codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"
#include "tests/analysis/fit/synthetic.h"

namespace fs = std::filesystem;

namespace sst::analysis::fit {
namespace {

// A reduced grid keeps the test quick; the default grid is exercised by test_analysis_fit_scaling_fit.
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

// A sweep.csv as sst-train's sweep writes it (extra columns, a quoted field).
fs::path write_sweep(const fs::path& dir) {
  const Data d = testing::synthetic(testing::true_law(), 10, 10, 0.01, 5);
  const fs::path p = dir / "sweep.csv";
  std::ostringstream out;
  out << "run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,best_dev_loss,"
         "best_dev_acc\n";
  out.precision(17);
  for (size_t i = 0; i < d.size(); ++i)
    out << "run" << i << ",\"d" << i % 10 << ", small\"," << d.n[i] << "," << 0.9 * d.n[i] << ",1," << d.d[i] << ","
        << d.d[i] * 1.001 << "," << 6 * d.n[i] * d.d[i] << "," << d.loss[i] << ",0.8\n";
  test::write_text(p.string(), out.str());
  return p;
}

TEST(AnalysisFitCli, WritesFitJsonAndFigures) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const fs::path csv = write_sweep(dir);
  const fs::path out = dir / "fit_out";
  const CliRun r = run("fit --input '" + csv.string() +
                       "' --tokens-column train_tokens --loss-column best_dev_loss"
                       " --output '" +
                       out.string() +
                       "' --bootstrap 20 --seed 3 --exclude-top-k 2"
                       " --budget 1e20 --budget 1e22" +
                       kSmallGrid);
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("L(N, D) = "), std::string::npos) << r.output;

  const nlohmann::json j = test::read_json(out / "fit.json");
  for (const char* k : {"E", "A", "B", "alpha", "beta", "objective", "n_points", "delta", "intervals", "allocation",
                        "predictions", "single_variable", "isoflop", "excluded"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["n_points"], 98);
  EXPECT_EQ(j["n_input_points"], 100);
  EXPECT_EQ(j["excluded"].size(), 2u);
  EXPECT_EQ(j["delta"], 1e-3);
  EXPECT_NEAR(j["alpha"].get<double>(), 0.34, 0.05);
  EXPECT_NEAR(j["beta"].get<double>(), 0.28, 0.05);
  EXPECT_EQ(j["grid"]["starts"], 243);
  for (const char* k : {"E", "A", "B", "alpha", "beta", "G", "n_exponent", "d_exponent"}) {
    ASSERT_TRUE(j["intervals"].contains(k)) << k;
    EXPECT_LE(j["intervals"][k][0].get<double>(), j["intervals"][k][1].get<double>()) << k;
  }
  ASSERT_EQ(j["predictions"].size(), 2u);
  EXPECT_EQ(j["predictions"][1]["flops"], 1e22);
  EXPECT_TRUE(j["predictions"][1]["intervals"].contains("N_opt"));
  const double n = j["predictions"][1]["N_opt"], dd = j["predictions"][1]["D_opt"];
  EXPECT_NEAR(6 * n * dd / 1e22, 1, 1e-9);
  EXPECT_EQ(j["isoflop"].size(), 5u);
  EXPECT_TRUE(j["single_variable"]["loss_vs_params"].contains("alpha"));
  EXPECT_TRUE(j["single_variable"]["loss_vs_tokens"].contains("alpha"));

  for (const char* stem : {"loss_vs_params", "loss_vs_tokens", "residuals", "isoflop", "compute_optimal"})
    for (const char* ext : {".png", ".svg", ".dat", ".gp"}) {
      const fs::path f = out / (std::string(stem) + ext);
      ASSERT_TRUE(fs::exists(f)) << f;
      EXPECT_GT(fs::file_size(f), 0u) << f;
    }
}

TEST(AnalysisFitCli, DefaultColumnsAndNoPlots) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const Data d = testing::synthetic(testing::true_law(), 5, 5, 0.0, 1);
  std::ostringstream points;
  points.precision(17);
  points << "params,tokens,loss\n";
  for (size_t i = 0; i < d.size(); ++i) points << d.n[i] << "," << d.d[i] << "," << d.loss[i] << "\n";
  test::write_text(dir / "points.csv", points.str());
  const CliRun r = run("fit --input '" + (dir / "points.csv").string() + "' --output '" + (dir / "o").string() +
                       "' --no-plots" + kSmallGrid);
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir / "o" / "fit.json"));
  EXPECT_FALSE(fs::exists(dir / "o" / "residuals.png"));
}

TEST(AnalysisFitCli, BadInputNamesTheFileAndLine) {
  const test::TempDir tmp("analysis_fit");
  const fs::path dir = tmp.path();
  const fs::path csv = dir / "bad.csv";
  test::write_text(csv, "params,tokens,loss\n1e6,1e8,3.0\n2e6,1e8,-1\n");
  CliRun r = run("fit --input '" + csv.string() + "' --output '" + (dir / "o").string() + "'");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.output,
            "sst-analyze fit: error: " + csv.string() + ":3: column 'loss' value '-1' is not finite and positive\n");
  EXPECT_FALSE(fs::exists(dir / "o" / "fit.json"));

  test::write_text(csv, "params,tokens,loss\n1e6,abc,3.0\n");
  r = run("fit --input '" + csv.string() + "'");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.output.find(csv.string() + ":2: column 'tokens' value 'abc' is not a number"), std::string::npos)
      << r.output;

  r = run("fit --input '" + csv.string() + "' --loss-column best_dev_loss");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.output.find("no column 'best_dev_loss' (available columns: params, tokens, loss)"), std::string::npos)
      << r.output;
}

TEST(AnalysisFitCli, UsageAndHelp) {
  CliRun r = run("--help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.output.find("fit "), std::string::npos) << r.output;
  r = run("fit --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.output.find("--bootstrap"), std::string::npos) << r.output;
  EXPECT_EQ(run("fit").rc, 2);  // --input is required
  EXPECT_EQ(run("fit --input x.csv --bootstrap -1").rc, 2);
  EXPECT_EQ(run("fit --input x.csv --grid-alpha 0,zz").rc, 2);
}

}  // namespace
}  // namespace sst::analysis::fit
