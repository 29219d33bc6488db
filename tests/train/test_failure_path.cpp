// The failure path (train/run.h run_or_abort): an error only this rank raised makes the communicator
// drop out of its collectives (NCCL: ncclCommAbort) while the run is still alive, before the stack
// unwinds; an error every rank raised together (CollectiveError) shuts down normally, without an abort.
// With several ranks the job is then aborted (MPI_Abort): tests/integration/test_fault_tolerance.
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/error.h"
#include "train/run.h"

namespace {

// Records abort() and whether the run's other parts were still there when it came.
class AbortRecorder final : public sst::comm::Communicator {
 public:
  explicit AbortRecorder(const sst::Run& run) : run_(run) {}
  std::string name() const override { return "recorder"; }
  void allreduce_sum(torch::Tensor&) override {}
  void broadcast(torch::Tensor&, int) override {}
  void reduce_scatter_sum(torch::Tensor&, const std::vector<int64_t>&) override {}
  void all_gather(torch::Tensor&, const std::vector<int64_t>&) override {}
  void abort() override {
    ++aborts;
    run_alive_at_abort = run_.model && run_.comm.get() == this;
  }
  int aborts = 0;
  bool run_alive_at_abort = false;

 private:
  const sst::Run& run_;
};

struct FailurePath : ::testing::Test {
  sst::Config cfg;
  std::unique_ptr<sst::Run> run;
  AbortRecorder* recorder = nullptr;
  FailurePath() {
    cfg.out_dir = "unused";
    run = std::make_unique<sst::Run>(cfg, sst::comm::World{});
    sst::ModelConfig m;
    m.vocab_size = 10;
    m.d_model = 8;
    m.heads = 2;
    m.ff_dim = 8;
    m.layers = 1;
    run->model = sst::TransformerClassifier(m);
    auto comm = std::make_unique<AbortRecorder>(*run);
    recorder = comm.get();
    run->comm = std::move(comm);
  }
};

}  // namespace

TEST_F(FailurePath, ALocalErrorAbortsTheCommunicatorWhileTheRunIsAlive) {
  EXPECT_THROW(sst::run_or_abort(*run, []() -> int { throw std::runtime_error("CUDA out of memory"); }),
               std::runtime_error)
      << "one rank alone: the error reaches main, which reports it";
  EXPECT_EQ(recorder->aborts, 1);
  EXPECT_TRUE(recorder->run_alive_at_abort);
}

TEST_F(FailurePath, AnAgreedErrorOrSuccessShutsDownNormally) {
  EXPECT_THROW(sst::run_or_abort(*run, []() -> int { throw sst::CollectiveError("bad config", true); }),
               sst::CollectiveError);
  EXPECT_EQ(sst::run_or_abort(*run, [] { return 75; }), 75);
  EXPECT_EQ(recorder->aborts, 0) << "every rank ends together: the communicator is destroyed, not aborted";
}
