// The attention figures (analysis/attention/attention_figures.h): quotes and UTF-8 in the tick labels.
#include "analysis/attention/attention_figures.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/plot/plot.h"
#include "tests/analysis/fixtures.h"

namespace sst::analysis::attention {
namespace {

TEST(AnalysisAttentionFigures, LayerAndRolloutFilesAreWritten) {
  if (!plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed";
  const test::TempDir tmp("analysis_attention");
  const std::filesystem::path d = tmp.path();
  AttentionStack a{1, 2, 3, std::vector<double>(18, 1.0 / 3)};
  const std::vector<std::string> pieces{"[CLS]", "▁does", "n't"};
  write_attention_layer_figure((d / "layer").string(), pieces, a, 0, "it's a test_1");
  write_rollout_figure((d / "rollout").string(), pieces, attention_rollout(a), "rollout");
  fixtures::expect_figure(d / "layer");
  fixtures::expect_figure(d / "rollout");
}

}  // namespace
}  // namespace sst::analysis::attention
