// `sst-analyze fit`'s outputs are all or nothing, and a design it cannot identify is identified in no
// form: a fit that fails after some figures were drawn (gnuplot failing on the third) leaves the output
// folder exactly as it was (no figure without its fit.json, no temporary folder); 40 copies of one run
// (a single N and D) are "not identified" by Chinchilla's form and by Kaplan's alike.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

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

}  // namespace
