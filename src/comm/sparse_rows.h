// Embedding gradients that travel as the rows a step touched. A batch of 64 phrases looks up a few
// hundred of the token embedding's rows; every other row's gradient is exactly zero on that rank. So
// instead of all-reducing the whole [V, D] gradient, every rank all-gathers the ids of the rows it
// touched and those rows, zeroes the gradient and adds every rank's rows back in rank order: the same
// sum as the dense all-reduce up to summation order (bitwise the same for two ranks).
//
// Dense or sparse is decided per step, by size, identically on every rank: the ranks first exchange
// how many rows they touched (one small host all-reduce, before backward), then go sparse when the
// gathered rows and ids would be smaller than the table (sum of rows x (D + 2) < V x D, ids counted
// as two floats). `always` / `never` force one path (tests, benchmarks). One rank alone never needs
// to send anything, so `auto` stays dense there.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "comm/communicator.h"
#include "comm/control.h"

namespace sst::comm {

enum class SparseMode { kNever, kAuto, kAlways };

class SparseRows {
 public:
  SparseRows(Communicator& comm, const ControlPlane& control, int64_t rows, int64_t width, SparseMode mode);

  // Before the step's backward, on every rank (a collective): this rank's touched rows (unique int64
  // ids, on the host and on the gradient's device). Returns whether this step goes sparse.
  bool plan(const torch::Tensor& rows_host, const torch::Tensor& rows_device);
  // Replaces the [V, D] gradient by its sum over ranks, from the touched rows only (after a plan()
  // that returned true; on the thread reducing buckets).
  void exchange(torch::Tensor& grad);

  int64_t sparse_steps() const { return sparse_steps_; }
  int64_t rows_sent_last() const { return rows_total_; }  // gathered rows in the last sparse step

 private:
  Communicator& comm_;
  const ControlPlane& control_;
  int64_t rows_, width_;
  SparseMode mode_;
  torch::Tensor ids_;            // this rank's touched rows, on the device
  std::vector<int64_t> counts_;  // touched rows per rank
  int64_t rows_total_ = 0;
  torch::Tensor all_ids_, all_values_;  // kept until the next step: an asynchronous gather reads them
  int64_t sparse_steps_ = 0;
};

}  // namespace sst::comm
