// Ablation grouping (analysis/runs/ablation.h) on fabricated runs: groups by seedless config, mean and
// sample std over seeds, the differences from the baseline.
#include "analysis/runs/ablation.h"

#include "analysis/runs/ablations_command.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "common/text.h"
#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;

namespace sst::analysis::runs {
namespace {

TEST(AnalysisAblation, MeanStd) {
  const MeanStd m = mean_std({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_NEAR(m.std, std::sqrt(5.0 / 3), 1e-12);
  EXPECT_EQ(mean_std({7}).std, 0.0);
  EXPECT_EQ(mean_std({}).n, 0u);
}

TEST(AnalysisAblation, GroupsBySeedlessConfigWithMeanStd) {
  const test::TempDir tmp("analysis_ablation");
  const fs::path d = tmp.path();
  fixtures::write_run(d / "base_s1", {"0.002", 1, 0.80, 0.45});
  fixtures::write_run(d / "lr_s1", {"0.001", 1, 0.78, 0.50});
  fixtures::write_run(d / "base_s2", {"0.002", 2, 0.82, 0.43});
  fixtures::write_run(d / "lr_s2", {"0.001", 2, 0.76, 0.52});
  fixtures::write_run(d / "lr_s3", {"0.001", 3, 0.77, 0.49, /*summary=*/false});  // from metrics.jsonl's evals
  const std::vector<runs::Run> runs = load_runs({d.string()});  // sorted: base_s1 base_s2 lr_s1 lr_s2 lr_s3
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
}

// Runs of one configuration that share a seed value are one seed: their mean is one sample, so two
// copies of a run never show as "± 0.0000" over two seeds.
TEST(AnalysisAblation, RunsSharingASeedCountOnce) {
  const test::TempDir tmp("analysis_ablation");
  const fs::path d = tmp.path();
  fixtures::write_run(d / "base_a", {"0.002", 1, 0.80, 0.45});
  fixtures::write_run(d / "base_b", {"0.002", 1, 0.80, 0.45});  // the same run again (e.g. a rerun)
  fixtures::write_run(d / "lr_a", {"0.001", 1, 0.78, 0.50});
  fixtures::write_run(d / "lr_b", {"0.001", 1, 0.76, 0.52});
  fixtures::write_run(d / "lr_c", {"0.001", 2, 0.80, 0.40});
  const std::vector<runs::Run> runs = load_runs({d.string()});  // base_a base_b lr_a lr_b lr_c
  const Ablation a = group_ablations(runs, 0, {});
  ASSERT_EQ(a.groups.size(), 2u);
  const AblationGroup& base = a.groups[0];
  EXPECT_EQ(base.runs.size(), 2u);
  EXPECT_EQ(base.distinct_seeds, 1u);
  EXPECT_EQ(base.dev_acc.n, 1u);
  EXPECT_NEAR(base.dev_acc.mean, 0.80, 1e-12);
  const AblationGroup& lr = a.groups[1];
  EXPECT_EQ(lr.distinct_seeds, 2u);
  EXPECT_EQ(lr.dev_acc.n, 2u);
  EXPECT_NEAR(lr.dev_acc.mean, (0.77 + 0.80) / 2, 1e-12);  // seed 1: mean of 0.78 and 0.76
  EXPECT_NEAR(lr.dev_acc.std, 0.015 * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(lr.dev_loss.mean, (0.51 + 0.40) / 2, 1e-12);
  const std::string md = ablation_markdown(runs, a);
  EXPECT_NE(md.find("| (baseline) | 1 (2 runs) | 0.8000 | 0.4500 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("± 0.0000"), std::string::npos) << md;
  EXPECT_NE(md.find("| 2 (3 runs) | 0.7850 ± 0.0212 |"), std::string::npos) << md;
  const auto j = ablation_json(runs, a, {});
  EXPECT_EQ(j["groups"][0]["n_seeds"], 1);
  EXPECT_EQ(j["groups"][0]["n_runs"], 2);
  EXPECT_TRUE(j["groups"][0]["dev_acc"]["std"].is_null());
}

namespace {

// Sets summary.json's layout and config.ini's train.threads, as a run launched on `ranks` ranks has them.
void set_layout(const fs::path& run, int ranks, int threads_per_rank, const std::string& threads_option) {
  auto s = test::read_json((run / "summary.json").string());
  s["world_size"] = ranks;
  s["threads_per_rank"] = threads_per_rank;
  test::write_text((run / "summary.json").string(), s.dump());
  std::string ini = test::read_text((run / "config.ini").string());
  ini.replace(ini.find("max_steps = 40\n"), 15, "max_steps = 40\nthreads = " + threads_option + "\n");
  test::write_text((run / "config.ini").string(), ini);
}

}  // namespace

// A 1- vs 2-rank difference is named as one (summary.json's world size), not as the train.threads the
// launcher chose for it; a run without summary.json yet joins the group its config.ini agrees with.
TEST(AnalysisAblation, WorldSizeDifferencesAreNamedAsSuch) {
  const test::TempDir tmp("analysis_ablation");
  const fs::path d = tmp.path();
  fixtures::write_run(d / "a_one_rank", {"0.002", 1, 0.80, 0.45});
  set_layout(d / "a_one_rank", 1, 2, "0");
  fixtures::write_run(d / "b_two_ranks", {"0.002", 1, 0.79, 0.46});
  set_layout(d / "b_two_ranks", 2, 1, "1");
  fixtures::write_run(d / "c_running", {"0.002", 2, 0.81, 0.44, /*summary=*/false});
  const std::vector<runs::Run> runs = load_runs({d.string()});
  const Ablation a = group_ablations(runs, 0, {});
  ASSERT_EQ(a.groups.size(), 2u);
  EXPECT_EQ(a.groups[0].runs, (std::vector<size_t>{0, 2}));  // c_running: same config, layout unknown
  ASSERT_EQ(a.groups[1].differences.size(), 2u);
  EXPECT_EQ(a.groups[1].differences[0].key, kThreadsKey);
  EXPECT_EQ(a.groups[1].differences[1].key, kWorldSizeKey);
  EXPECT_EQ(a.groups[1].differences[1].baseline, "1");
  EXPECT_EQ(a.groups[1].differences[1].value, "2");
  const std::string md = ablation_markdown(runs, a);
  EXPECT_NE(md.find("threads per rank: 2 → 1; world size: 1 → 2"), std::string::npos) << md;
  EXPECT_EQ(md.find("train.threads"), md.find("train.threads and [output]")) << md;  // only in the footnote
  // Ignoring the layout makes them replicates.
  EXPECT_EQ(group_ablations(runs, 0, {kWorldSizeKey, kThreadsKey}).groups.size(), 1u);
}

}  // namespace
}  // namespace sst::analysis::runs
