// fit.json <-> FitReport (analysis/fit/fit_report.h): the committed fit.json files read and write back
// unchanged (the keys stay), NaN is null and reads back as NaN, an empty optional leaves its key out, a
// skipped approach writes nothing but its name and why, and a field of the wrong type names its path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "analysis/fit/fit_report.h"
#include "common/error.h"
#include "test_paths.h"

using nlohmann::json;

namespace sst::analysis::fit {
namespace {

json read(const std::string& relative) {
  std::ifstream in(sst::test::source_dir() + "/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

TEST(AnalysisFitReport, CommittedFitJsonFilesReadAndWriteBackUnchanged) {
  for (const char* f : {"docs/scaling/sst2_isoflop/fit/fit.json", "docs/scaling/sst2_scaling/fit_holdout/fit.json",
                        "docs/scaling/sst2_scaling/fit_all/fit.json"}) {
    const json j = read(f);
    const json back = to_json(fit_report_from_json(j, f));
    EXPECT_EQ(back, j) << f << "\nwritten back:\n" << back.dump(1).substr(0, 2000);
  }
}

TEST(AnalysisFitReport, NotANumberIsNullAndReadsBackAsNotANumber) {
  FitReport r;
  r.parametric.alpha = kUndetermined;
  r.parametric.beta = 0.3;
  const json j = to_json(r);
  EXPECT_TRUE(j["alpha"].is_null());
  EXPECT_EQ(j["beta"], 0.3);
  const FitReport back = fit_report_from_json(j, "x");
  EXPECT_TRUE(std::isnan(back.parametric.alpha));
  EXPECT_EQ(back.parametric.beta, 0.3);
}

TEST(AnalysisFitReport, EmptyOptionalsLeaveTheirKeysOut) {
  FitReport r;
  const json j = to_json(r);
  for (const char* k : {"kaplan", "holdout", "which_n"}) EXPECT_FALSE(j.contains(k)) << k;
  EXPECT_EQ(j["intervals"], json::object()) << "no bootstrap: no intervals";
  r.kaplan.emplace();
  EXPECT_TRUE(to_json(r).contains("kaplan"));
}

TEST(AnalysisFitReport, ASkippedApproachWritesOnlyItsNameAndWhy) {
  FitReport r;
  ApproachReport a;
  a.approach = "1: lower envelope of the training curves";
  a.skipped = "no curves";
  r.approaches.push_back(a);
  const json j = to_json(r);
  EXPECT_EQ(j["approaches"][0], (json{{"approach", a.approach}, {"skipped", "no curves"}}));
  const FitReport back = fit_report_from_json(j, "x");
  ASSERT_EQ(back.approaches.size(), 1u);
  EXPECT_EQ(back.approaches[0].skipped, "no curves");
}

TEST(AnalysisFitReport, VerdictsRoundTripByName) {
  FitReport r;
  ApproachReport a;
  a.approach = "2: IsoFLOP profiles";
  a.identifiability.weaken("only 2 budgets");
  r.approaches.push_back(a);
  r.parametric.identifiability.fail("1 distinct N");
  const json j = to_json(r);
  EXPECT_EQ(j["approaches"][0]["verdict"], "weakly identified");
  EXPECT_EQ(j["identifiability"]["verdict"], "not identified");
  const FitReport back = fit_report_from_json(j, "x");
  EXPECT_EQ(back.approaches[0].identifiability.verdict, Verdict::kWeak);
  EXPECT_EQ(back.parametric.identifiability.verdict, Verdict::kNotIdentified);
  EXPECT_EQ(back.parametric.identifiability.reasons, std::vector<std::string>{"1 distinct N"});
}

TEST(AnalysisFitReport, AFieldOfTheWrongTypeNamesItsPath) {
  FitReport r;
  r.approaches.emplace_back();
  json j = to_json(r);
  j["approaches"][0]["verdict"] = "maybe";
  try {
    fit_report_from_json(j, "o/fit.json");
    FAIL() << "an unknown verdict was accepted";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "o/fit.json: field \"approaches.verdict\" has an unexpected value (\"maybe\")");
  }
  j = to_json(r);
  j["runs"]["rows"] = "many";
  EXPECT_THROW(fit_report_from_json(j, "o/fit.json"), UserError);
}

TEST(AnalysisFitReport, KeysAreTheTopLevelOfFitJson) {
  const std::vector<std::string> keys = fit_report_keys();
  for (const char* k : {"input", "E", "alpha", "identifiability", "approaches", "plots", "which_n"})
    EXPECT_NE(std::find(keys.begin(), keys.end(), k), keys.end()) << k;
}

}  // namespace
}  // namespace sst::analysis::fit
