// Ablation grouping (analysis/runs/ablation.h) on fabricated runs: groups by seedless config, mean and
// sample std over seeds, the differences from the baseline.
#include "analysis/runs/ablation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/error.h"
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

}  // namespace
}  // namespace sst::analysis::runs
