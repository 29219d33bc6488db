// Attention rollout (analysis/attention/rollout.h) on hand-made attention stacks.
#include "analysis/attention/rollout.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sst::analysis::attention {
namespace {

TEST(AnalysisRollout, HandMadeStack) {
  // Two heads of one layer average to uniform attention.
  AttentionStack h{1, 2, 2, {1, 0, 0, 1, /* head 2 */ 0, 1, 1, 0}};
  EXPECT_EQ(head_average(h, 0), (Matrix{0.5, 0.5, 0.5, 0.5}));
  EXPECT_EQ(head_weights(h, 0, 1), (Matrix{0, 1, 1, 0}));
  // Layer 1 (one head) [[.5,.5],[0,1]] -> +I, renormalized: [[.75,.25],[0,1]].
  // Layer 2 [[0,1],[1,0]] -> [[.5,.5],[.5,.5]]. R = A2 A1 = [[.375,.625],[.375,.625]].
  AttentionStack a{2, 1, 2, {0.5, 0.5, 0, 1, /* layer 2 */ 0, 1, 1, 0}};
  const Matrix r = attention_rollout(a);
  const Matrix want{0.375, 0.625, 0.375, 0.625};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(r[i], want[i], 1e-12) << i;
  EXPECT_EQ(rollout_to_cls(a).size(), 2u);
  EXPECT_NEAR(rollout_to_cls(a)[1], 0.625, 1e-12);
  // The order matters: A1 A2 would give [[.5,.5],[.5,.5]].
  AttentionStack single{1, 1, 2, {0.5, 0.5, 0, 1}};
  EXPECT_NEAR(attention_rollout(single)[0], 0.75, 1e-12);
  EXPECT_THROW(attention_rollout(AttentionStack{}), UserError);
  EXPECT_THROW(attention_rollout(AttentionStack{1, 1, 2, {1, 0}}), UserError);
}

}  // namespace
}  // namespace sst::analysis::attention
