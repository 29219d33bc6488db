// What every rank holds during training (Run) and how it is built (setup), shared by the training
// loop (trainer.cpp) and the benchmark (benchmark.cpp). setup.cpp builds it in the order of the data
// flow: the rank's input, the model, the communication, the optimizer, the input pipeline.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "comm/communicator.h"
#include "comm/control.h"
#include "comm/grad_sync.h"
#include "comm/world.h"
#include "dataset/dataset_file.h"
#include "model/transformer.h"
#include "rundir/run_dir.h"
#include "rundir/run_lock.h"
#include "shard/batch.h"
#include "shard/prefetcher.h"
#include "shard/sampler.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/optimizer.h"
#include "train/schedule.h"

namespace sst {

struct Run {
  Run(Config c, const comm::World& w) : cfg(std::move(c)), world(w), control(w), dir(cfg.out_dir) {}

  Config cfg;
  comm::World world;
  comm::ControlPlane control;
  rundir::RunDir dir;
  std::unique_ptr<rundir::RunLock> lock;  // rank 0, for the whole run: it alone writes the run directory
  torch::Device device = torch::kCPU;
  double gpu_memory_estimate = 0;  // bytes per rank on a GPU (estimate_gpu_memory's total); 0 on the CPU
  // The rank's input.
  std::unique_ptr<dataset::DatasetFile> file;
  std::unique_ptr<shard::SplitReader> train, dev;
  std::unique_ptr<shard::GlobalBatchSampler> sampler;  // used by the prefetcher's thread only, once training runs
  int64_t total_steps = 0;
  int64_t train_tokens = 0;             // unique tokens in the train subset, as the model sees them (D)
  std::vector<int32_t> train_lengths;   // every train example's length as the model sees it (budgets)
  double budget_tokens = 0;             // the token budget the run length follows; 0: none
  std::vector<int64_t> snapshot_steps;  // where train.snapshot_budgets' cooldown branches start
  LrSchedule schedule{};
  // The model and its optimizer.
  TransformerClassifier model{nullptr};
  TransformerClassifier average{nullptr};  // train.ema_decay > 0: the weights that are evaluated
  std::unique_ptr<Optimizer> optimizer;
  // Communication and the input pipeline.
  std::unique_ptr<comm::Communicator> comm;
  std::string comm_note;  // why a CUDA run fell back to MPI, for the log; usually ""
  std::unique_ptr<comm::GradientSynchronizer> grads;
  bool token_rows_needed = false;  // the input carries each step's touched embedding rows (sparse gradients)
  std::unique_ptr<shard::BatchPrefetcher> batches;
  // Every rank's count of touched embedding rows for step `row_counts_step`, agreed in the control
  // all-reduce of the step before it (sparse gradients; train/step.cpp).
  int64_t row_counts_step = -1;
  std::vector<int64_t> row_counts;

  TrainState state;
  bool sync_timers = false;  // wait for the GPU at phase boundaries (benchmark mode)
  // Test hook (train/fault_injection.h): may replace this rank's loss of a step before backward.
  std::function<torch::Tensor(const torch::Tensor& loss, int64_t step)> loss_hook;
};

// Everything before the first step, on every rank together: the run directory's lock (rank 0), the
// input, a memory estimate, the model, the communication. A problem with the config, data or directory
// on any rank throws CollectiveError on all of them; nothing in the run directory has changed then.
void setup(Run& r);

// Runs `body` (the training or the benchmark) on `r`. A CollectiveError, raised by every rank together,
// passes through: nobody waits in a collective, so the stack unwinds and the job ends cleanly. Any other
// exception is this rank's alone while its peers may wait for it in a collective, and unwinding would
// run destructors that wait for them (the NCCL communicator's ncclCommDestroy, the gradient thread's
// join). So, with `r` still alive, the communicator drops out (Communicator::abort, ncclCommAbort) and,
// with more than one rank, the error is printed and the job is aborted (MPI_Abort); one rank alone
// rethrows, and main reports it.
int run_or_abort(Run& r, const std::function<int()>& body);

}  // namespace sst
