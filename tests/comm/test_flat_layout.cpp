// Where the parameters live in the flat buffers (comm/flat_layout.h): slots in reverse parameter order,
// buckets cut by size (and a parameter isolated in one of its own), equal padded shards per rank, and
// parameters and gradients rebound as views into a buffer. One process, CPU tensors, no MPI.
#include <gtest/gtest.h>

#include <vector>

#include "comm/flat_layout.h"

using sst::comm::FlatLayout;
using sst::comm::Span;

namespace {

// Three float32 parameters of 3, 8 and 5 elements (in model order).
std::vector<torch::Tensor> three_params() { return {torch::zeros({3}), torch::zeros({4, 2}), torch::zeros({5})}; }

void expect_span(const Span& s, int64_t begin, int64_t end) {
  EXPECT_EQ(s.begin, begin);
  EXPECT_EQ(s.end, end);
}

}  // namespace

TEST(FlatLayout, SlotsRunInReverseParameterOrderWithoutGaps) {
  const FlatLayout layout(three_params(), 1 << 20, 1);
  ASSERT_EQ(layout.num_params(), 3u);
  expect_span(layout.slot(2), 0, 5);  // the last parameter first: backward produces its gradient first
  expect_span(layout.slot(1), 5, 13);
  expect_span(layout.slot(0), 13, 16);
  EXPECT_EQ(layout.size(), 16);
  EXPECT_EQ(layout.padded_size(), 16);  // one rank: nothing to pad
  EXPECT_EQ(layout.num_buckets(), 1);   // all of it fits one bucket of 1 MiB
  EXPECT_EQ(layout.params_in_bucket(0), 3);
  // No parameters or no ranks: refused.
  EXPECT_THROW(FlatLayout({}, 1024, 1), c10::Error);
  EXPECT_THROW(FlatLayout(three_params(), 1024, 0), c10::Error);
}

TEST(FlatLayout, ABucketClosesAtTheBucketSizeOrAroundAnIsolatedParameter) {
  const FlatLayout layout(three_params(), 32, 1);  // 32 bytes: 8 float32 elements
  ASSERT_EQ(layout.num_buckets(), 2);
  expect_span(layout.bucket(0), 0, 13);  // 5 elements stay open, 5 + 8 close it
  expect_span(layout.bucket(1), 13, 16);
  EXPECT_EQ(layout.bucket_of(2), 0);
  EXPECT_EQ(layout.bucket_of(1), 0);
  EXPECT_EQ(layout.bucket_of(0), 1);
  EXPECT_EQ(layout.params_in_bucket(0), 2);
  EXPECT_EQ(layout.params_in_bucket(1), 1);
  // An isolated parameter (the token embedding) gets a bucket of its own.
  const FlatLayout alone(three_params(), 1 << 20, 1, /*isolated=*/1);
  ASSERT_EQ(alone.num_buckets(), 3);
  expect_span(alone.bucket(0), 0, 5);
  expect_span(alone.bucket(1), 5, 13);
  expect_span(alone.bucket(2), 13, 16);
  EXPECT_EQ(alone.bucket_of(1), 1);
  EXPECT_EQ(alone.params_in_bucket(1), 1);
}

TEST(FlatLayout, ShardsAreEqualAndPaddingMakesThemSo) {
  const FlatLayout layout(three_params(), 1 << 20, 3);
  EXPECT_EQ(layout.world(), 3);
  EXPECT_EQ(layout.padded_size(), 18);  // 16 elements + 2 of padding: three shards of 6
  for (int r = 0; r < 3; ++r) expect_span(layout.shard(r), 6 * r, 6 * (r + 1));
  // A span's elements per shard, in rank order, sum to its size (a bucket's reduce-scatter counts).
  EXPECT_EQ(layout.shard_counts({4, 14}), (std::vector<int64_t>{2, 6, 2}));
  EXPECT_EQ(layout.shard_counts({0, 5}), (std::vector<int64_t>{5, 0, 0}));
  EXPECT_EQ(FlatLayout(three_params(), 1 << 20, 4).padded_size(), 16);  // already a multiple of 4
  // A bucket's part in a shard is their intersection: empty when disjoint.
  EXPECT_EQ((Span{0, 5}.intersect({5, 9})).size(), 0);
  EXPECT_EQ((Span{7, 9}.intersect({0, 3})).size(), 0);
  expect_span(Span{0, 10}.intersect({4, 20}), 4, 10);
}

TEST(FlatLayout, RebindingMakesParametersViewsOfTheBufferWithTheirValues) {
  auto params = three_params();
  for (size_t i = 0; i < params.size(); ++i) params[i].fill_(static_cast<float>(i + 1));
  const FlatLayout layout(params, 1 << 20, 2);
  const auto flat = torch::full({layout.padded_size()}, -1.0f);
  const auto views = sst::comm::slot_views(layout, flat, params);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[1].sizes(), params[1].sizes());
  EXPECT_TRUE(sst::comm::rebind_data(params, views));
  EXPECT_FALSE(sst::comm::rebind_data(params, views));  // already the views: nothing to do
  for (size_t i = 0; i < params.size(); ++i) {
    const Span s = layout.slot(i);
    EXPECT_EQ(params[i].data_ptr(), flat.narrow(0, s.begin, 1).data_ptr());
    EXPECT_TRUE(torch::equal(flat.narrow(0, s.begin, s.size()), torch::full({s.size()}, float(i + 1))));
  }
  // Something replaced a parameter's storage (a checkpoint load): the next rebind copies it back in.
  params[0].set_data(torch::full({3}, 9.0f));
  EXPECT_TRUE(sst::comm::rebind_data(params, views));
  EXPECT_TRUE(torch::equal(flat.narrow(0, 13, 3), torch::full({3}, 9.0f)));
}

TEST(FlatLayout, GradientsAccumulateInTheBufferOnceRebound) {
  std::vector<torch::Tensor> params = {torch::ones({2}, torch::requires_grad()),
                                       torch::ones({3}, torch::requires_grad())};
  const FlatLayout layout(params, 1 << 20, 1);
  const auto flat = torch::full({layout.padded_size()}, 5.0f);
  const auto views = sst::comm::slot_views(layout, flat, params);
  EXPECT_TRUE(sst::comm::rebind_grads(params, views));  // undefined gradients become zeroed views
  EXPECT_TRUE(torch::equal(flat, torch::zeros({5})));
  (params[0].sum() * 2 + params[1].sum() * 3).backward();
  EXPECT_FALSE(sst::comm::rebind_grads(params, views));  // autograd accumulated in place
  // slot(1) = [0, 3) and slot(0) = [3, 5): the reverse order.
  EXPECT_TRUE(torch::equal(flat, torch::tensor({3.0f, 3.0f, 3.0f, 2.0f, 2.0f})));
  params[1].mutable_grad() = torch::full({3}, 7.0f);  // replaced (as zero_grad(set_to_none) would)
  EXPECT_TRUE(sst::comm::rebind_grads(params, views));
  EXPECT_TRUE(torch::equal(flat.narrow(0, 0, 3), torch::full({3}, 7.0f)));
}
