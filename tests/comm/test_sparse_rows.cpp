// Embedding gradients as touched rows (comm/sparse_rows.h), on 1-3 ranks of mpi_allreduce_check
// (mpi_checks.h): when counts are needed, every rank's count, the size rule of `auto`, the exchange equal
// to the dense all-reduce (directly and through the gradient synchronizer).
#include <vector>

#include "comm/grad_sync.h"
#include "comm/sparse_rows.h"
#include "mpi_checks.h"

namespace sst::comm::test {

namespace {

void check_plan(MpiCheck& c) {
  const int W = c.world.size;
  // A [50, 8] table: sparse pays when the gathered rows x (8 + 2) < 400, i.e. fewer than 40 rows in all.
  SparseRows never(c.comm, c.control, 50, 8, SparseMode::kNever);
  SparseRows automatic(c.comm, c.control, 50, 8, SparseMode::kAuto);
  SparseRows always(c.comm, c.control, 50, 8, SparseMode::kAlways);
  c.check(!never.needs_counts() && always.needs_counts(), "never needs no counts, always does");
  c.check(automatic.needs_counts() == (W > 1), "auto needs counts only with peers (one rank stays dense)");

  // This rank touched rank + 1 rows: every rank learns every count, in rank order.
  const auto rows = torch::arange(c.world.rank + 1, torch::kLong);
  const auto counts = always.count_rows(rows);
  std::vector<int64_t> expected;
  for (int r = 0; r < W; ++r) expected.push_back(r + 1);
  c.check(counts == expected && always.count_allreduces() == 1, "count_rows: every rank's count, in one all-reduce");

  const auto on_device = rows.to(c.device);
  c.check(!never.plan(counts, on_device), "never: dense");
  c.check(automatic.plan(counts, on_device) == (W > 1), "auto, few rows: sparse (with peers)");
  c.check(!automatic.plan(std::vector<int64_t>(static_cast<size_t>(W), 40), on_device), "auto, 40+ rows: dense");
  c.check(always.plan(std::vector<int64_t>(static_cast<size_t>(W), 40), on_device), "always: sparse");
  c.check(always.sparse_steps() == 1 && always.rows_sent_last() == 40 * W, "sparse steps and rows sent counted");
}

// Rank r touches rows {r, 20, 30 + r} of a [50, 8] gradient: the exchange leaves the dense sum.
void check_exchange(MpiCheck& c) {
  const int W = c.world.size, rank = c.world.rank;
  const auto rows = torch::tensor({static_cast<int64_t>(rank), int64_t{20}, static_cast<int64_t>(30 + rank)});
  auto grad = torch::zeros({50, 8}, c.on());
  grad.index_fill_(0, rows.to(c.device), static_cast<float>(rank + 1));
  auto dense = grad.clone();
  c.comm.allreduce_sum(dense);
  SparseRows sparse(c.comm, c.control, 50, 8, SparseMode::kAlways);
  c.check(sparse.plan(sparse.count_rows(rows), rows.to(c.device)), "planned sparse");
  sparse.begin_exchange(grad);
  c.comm.join();
  sparse.end_exchange();
  c.check(torch::equal(grad.cpu(), dense.cpu()), "touched rows exchanged == dense all-reduce");
  c.check(grad[20].sum().item<float>() == 8.0f * static_cast<float>(W * (W + 1) / 2), "a row every rank touched");
}

// Through the synchronizer: each rank looks up its own rows of a [50, 8] table (some shared with other
// ranks); the rows exchange equals the dense all-reduce within 1e-6.
torch::Tensor embedding_grads(MpiCheck& c, SparseMode mode) {
  torch::manual_seed(3);
  std::vector<torch::Tensor> params = {torch::randn({50, 8}).to(c.device).requires_grad_(),
                                       torch::randn({8, 2}).to(c.device).requires_grad_()};
  GradSyncOptions opt;
  opt.bucket_bytes = 64;
  opt.sparse_param = 0;
  opt.sparse = mode;
  GradientSynchronizer grads(params, c.comm, c.control, opt);
  grads.zero_grad();
  const int rank = c.world.rank;
  auto rows = torch::tensor({rank, rank + 7, 20, 21 + 2 * rank}, torch::kLong);
  grads.set_touched_rows(rows, rows.to(c.device));
  grads.arm();
  (torch::matmul(params[0].index_select(0, rows.to(c.device)), params[1]).tanh().sum() / c.W()).backward();
  grads.finish();
  c.check(grads.sparse_steps() == (mode == SparseMode::kAlways ? 1 : 0), "sparse path taken as asked");
  return grads.flat_grads().cpu();
}

}  // namespace

void check_sparse_rows(MpiCheck& c) {
  check_plan(c);
  check_exchange(c);
  auto dense = embedding_grads(c, SparseMode::kNever);
  auto sparse = embedding_grads(c, SparseMode::kAlways);
  c.check(torch::allclose(dense, sparse, 1e-6, 1e-6), "sparse embedding rows == dense all-reduce (synchronizer)");
}

}  // namespace sst::comm::test
