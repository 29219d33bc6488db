#include "comm/sparse_rows.h"

namespace sst::comm {

SparseRows::SparseRows(Communicator& comm, const ControlPlane& control, int64_t rows, int64_t width, SparseMode mode)
    : comm_(comm), control_(control), rows_(rows), width_(width), mode_(mode) {}

bool SparseRows::needs_counts() const {
  return mode_ == SparseMode::kAlways || (mode_ == SparseMode::kAuto && control_.world().size > 1);
}

std::vector<int64_t> SparseRows::count_rows(const torch::Tensor& rows_host) const {
  // Every rank's count, as a sum of per-rank slots (exact in doubles far beyond any table size).
  std::vector<double> slots(static_cast<size_t>(control_.world().size), 0.0);
  slots[control_.world().rank] = static_cast<double>(rows_host.numel());
  control_.sum(slots);
  ++count_allreduces_;
  return std::vector<int64_t>(slots.begin(), slots.end());
}

bool SparseRows::plan(std::vector<int64_t> counts, const torch::Tensor& rows_device) {
  if (!needs_counts()) return false;
  TORCH_CHECK(counts.size() == static_cast<size_t>(control_.world().size), "sparse rows: one count per rank needed");
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  const bool sparse = mode_ == SparseMode::kAlways || total * (width_ + 2) < rows_ * width_;
  if (sparse) {
    counts_ = std::move(counts);
    ids_ = rows_device;
    rows_total_ = total;
    ++sparse_steps_;
  }
  return sparse;
}

void SparseRows::begin_exchange(const torch::Tensor& grad) {
  const int rank = control_.world().rank;
  std::vector<int64_t> value_counts;
  int64_t offset = 0;
  for (size_t r = 0; r < counts_.size(); ++r) {
    if (static_cast<int>(r) < rank) offset += counts_[r];
    value_counts.push_back(counts_[r] * width_);
  }
  // Both buffers hold one part per rank, in rank order; this rank fills its own.
  all_ids_ = torch::empty({rows_total_}, ids_.options());
  all_values_ = torch::empty({rows_total_, width_}, grad.options());
  all_ids_.narrow(0, offset, counts_[rank]).copy_(ids_);
  all_values_.narrow(0, offset, counts_[rank]).copy_(grad.index_select(0, ids_));
  comm_.all_gather(all_ids_, counts_);
  auto flat_values = all_values_.view({-1});
  comm_.all_gather(flat_values, value_counts);
  grad_ = grad;
}

void SparseRows::end_exchange() {
  if (!grad_.defined()) return;
  grad_.zero_();
  // One index_add_ per rank: its ids are unique, so each row's sum has a fixed order (rank 0 first)
  // even where index_add_ uses atomics (CUDA).
  int64_t begin = 0;
  for (int64_t c : counts_) {
    if (c > 0) grad_.index_add_(0, all_ids_.narrow(0, begin, c), all_values_.narrow(0, begin, c));
    begin += c;
  }
  grad_ = torch::Tensor();
}

}  // namespace sst::comm
