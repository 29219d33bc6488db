// Embedding gradients that travel as the rows a step touched. A batch of 64 phrases looks up a few
// hundred of the token embedding's rows; every other row's gradient is exactly zero on that rank. So
// instead of all-reducing the whole [V, D] gradient, every rank all-gathers the ids of the rows it
// touched and those rows, zeroes the gradient and adds every rank's rows back in rank order: the same
// sum as the dense all-reduce up to summation order (bitwise the same for two ranks).
//
// Dense or sparse is decided per step, by size, identically on every rank, from every rank's count of
// touched rows: sparse when the gathered rows and ids would be smaller than the table (sum of rows x
// (D + 2) < V x D, ids counted as two floats). The trainer agrees on the counts one step ahead, in the
// previous step's control all-reduce (train/step.cpp); count_rows() is the fallback, a small host
// all-reduce of its own (the first step of a run or after a restart of the input pipeline).
// `always` / `never` force one path (tests, benchmarks). One rank alone never needs to send anything,
// so `auto` stays dense there.
//
// The exchange has two halves so that no backward hook waits for communication: begin_exchange()
// (in the hook, or on the thread reducing buckets) gathers the rows; end_exchange(), after the
// communicator's join() (after backward, on the main thread), adds them into the zeroed gradient.
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

  // Whether this mode needs every rank's count of touched rows each step (not `never`, not `auto`
  // alone).
  bool needs_counts() const;
  // Every rank's count of touched rows, from this rank's rows (unique int64 ids on the host): a host
  // all-reduce, on every rank.
  std::vector<int64_t> count_rows(const torch::Tensor& rows_host) const;
  // Before the step's backward: whether this step goes sparse, from every rank's count; this rank's
  // rows are `rows_device` (on the gradient's device). No communication.
  bool plan(std::vector<int64_t> counts, const torch::Tensor& rows_device);
  // After a plan() that returned true, once the table's gradient is accumulated: gathers every rank's
  // touched rows of `grad` ([V, D]; it must stay alive until end_exchange()).
  void begin_exchange(const torch::Tensor& grad);
  // After the communicator's join(): replaces the gradient by its sum over ranks. Nothing to do if
  // begin_exchange() did not run this step.
  void end_exchange();

  int64_t sparse_steps() const { return sparse_steps_; }
  int64_t rows_sent_last() const { return rows_total_; }          // gathered rows in the last sparse step
  int64_t count_allreduces() const { return count_allreduces_; }  // count_rows() calls so far

 private:
  Communicator& comm_;
  const ControlPlane& control_;
  int64_t rows_, width_;
  SparseMode mode_;
  torch::Tensor ids_;            // this rank's touched rows, on the device
  std::vector<int64_t> counts_;  // touched rows per rank
  int64_t rows_total_ = 0;
  torch::Tensor all_ids_, all_values_;  // kept until the next step: an asynchronous gather reads them
  torch::Tensor grad_;                  // between begin_exchange() and end_exchange()
  int64_t sparse_steps_ = 0;
  mutable int64_t count_allreduces_ = 0;
};

}  // namespace sst::comm
