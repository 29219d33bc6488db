// `sst-analyze attention` end to end (analysis/attention/attention_command.cpp) on a tiny checkpoint
// trained from the real SST-2 (skipped without SST2_DIR).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/analysis/fixtures.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::attention {
namespace {

using namespace fixtures;

class AnalysisAttentionCli : public TinyRun {};

TEST_F(AnalysisAttentionCli, WritesHeatmapsRolloutAndWeights) {
  const std::string o = out("attention");
  const auto r = run_command(analyze() + " attention --checkpoint " + sh_quote(ckpt()) + " --threads 1 --output " +
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

TEST(AnalysisAttentionCliNoData, SentenceIsRequired) {
  const auto r = run_command(analyze() + " attention --checkpoint /nonexistent.pt");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // The option table refuses a negative thread count before the checkpoint is read.
  const auto t = run_command(analyze() + " attention --checkpoint /nonexistent.pt --threads -1 hi");
  EXPECT_EQ(t.exit_code, 2) << t.output;
  EXPECT_EQ(t.output,
            "sst-analyze attention: error: --threads = -1: must be >= 0 (see sst-analyze attention --help)\n");
}

}  // namespace
}  // namespace sst::analysis::attention
