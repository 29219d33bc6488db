// Building a Run (train/run.h setup, setup.cpp) on every rank of the test's world (run_fixture.h): the
// input, the model, the run length, the communication, the optimizer and the pipeline, with rank 0
// holding the run directory's lock and nothing else written there; and the refusals (a missing or
// damaged data file, a run directory another run holds, a batch the ranks cannot share, a model that
// does not fit) as one agreed line on every rank, leaving no run directory behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "run_fixture.h"
#include "train/run.h"

using namespace sst::run_test;

namespace {

namespace fs = std::filesystem;

// The names in `dir`, as rank 0 sees them, on every rank.
std::string listing_on_root(const std::string& dir) {
  std::string names;
  if (world().is_root())
    for (const auto& e : fs::directory_iterator(dir)) names += e.path().filename().string() + " ";
  return control().broadcast(names);
}

// setup() refuses the run on every rank with one line that says `why`; the Run, once gone, leaves no run
// directory behind.
void expect_refused(const sst::Config& cfg, const std::string& why) {
  {
    sst::Run r(cfg, world());
    expect_agreed_refusal([&r] { sst::setup(r); }, why);
  }
  EXPECT_FALSE(exists_on_root(cfg.out_dir)) << "a refused run leaves no run directory";
}

}  // namespace

TEST(Setup, BuildsEveryPartOfTheRunFromTheDataAndTheOptions) {
  SharedDir dir("setup");
  sst::Run r(tiny_run_config(write_tiny_data(dir), dir / "run", {"--train.epochs=2"}), world());
  sst::setup(r);
  EXPECT_EQ(r.lock != nullptr, world().is_root()) << "rank 0 alone holds the run directory";
  EXPECT_EQ(r.cfg.model.vocab_size, 12) << "the vocabulary is the data file's";
  EXPECT_EQ(r.cfg.model.num_classes, 2);
  ASSERT_TRUE(r.train && r.dev && r.sampler && r.model && r.comm && r.grads && r.optimizer && r.batches);
  EXPECT_EQ(r.train->size(), 32);
  EXPECT_EQ(r.dev->size(), 8);
  EXPECT_EQ(r.sampler->batches_per_epoch(), 4) << "32 examples, global batch 8";
  EXPECT_EQ(r.total_steps, 8) << "train.epochs = 2";
  int64_t tokens = 0;
  for (int64_t id = 0; id < r.train->size(); ++id) tokens += r.train->num_tokens(id) + 1;  // + [CLS]
  EXPECT_EQ(r.train_tokens, tokens);
  EXPECT_EQ(r.device, torch::Device(torch::kCPU));
  EXPECT_FALSE(r.loss_hook) << "no fault injection asked for";
  EXPECT_EQ(r.state.step, 0);

  EXPECT_EQ(control().broadcast(weights_of(r)), weights_of(r)) << "every rank starts from rank 0's weights";

  EXPECT_EQ(listing_on_root(dir / "run"), ".lock ") << "setup writes nothing but the lock";
}

TEST(Setup, MakesTheModelsParametersViewsIntoTheFlatBuffer) {
  SharedDir dir("setup");
  sst::Run r(tiny_run_config(write_tiny_data(dir), dir / "run"), world());
  sst::setup(r);
  torch::NoGradGuard no_grad;
  const auto before = r.grads->flat_params().sum().item<double>();
  r.model->parameters().front().add_(1.0);
  const auto after = r.grads->flat_params().sum().item<double>();
  EXPECT_NEAR(after - before, static_cast<double>(r.model->parameters().front().numel()), 1e-3)
      << "a change to a parameter is a change to the buffer the optimizer updates and the ranks reduce";
}

TEST(Setup, RefusesAMissingDataFileAndLeavesNoRunDirectory) {
  SharedDir dir("setup");
  expect_refused(tiny_run_config(dir / "absent.h5", dir / "run"), dir / "absent.h5");
}

TEST(Setup, RefusesADamagedDataFileAndLeavesNoRunDirectory) {
  SharedDir dir("setup");
  const std::string data = write_tiny_data(dir);
  if (world().is_root()) {
    std::ofstream(data, std::ios::binary | std::ios::trunc) << "not an HDF5 file";
  }
  control().barrier();
  expect_refused(tiny_run_config(data, dir / "run"), data);
}

TEST(Setup, RefusesARunDirectoryAnotherRunHoldsAndLeavesItsLock) {
  SharedDir dir("setup");
  const sst::Config cfg = tiny_run_config(write_tiny_data(dir), dir / "run");
  std::unique_ptr<sst::rundir::RunLock> other;
  if (world().is_root()) other = std::make_unique<sst::rundir::RunLock>(sst::rundir::RunDir(cfg.out_dir));
  {
    sst::Run r(cfg, world());
    expect_agreed_refusal([&r] { sst::setup(r); }, "is in use by another sst-train");
  }
  EXPECT_EQ(listing_on_root(cfg.out_dir), ".lock ") << "the holder's lock is left alone";
  control().barrier();
}

TEST(Setup, RefusesAGlobalBatchTheRanksCannotShareEvenly) {
  SharedDir dir("setup");
  sst::Config cfg = tiny_run_config(write_tiny_data(dir), dir / "run");
  // Set after parsing, past validate_config: only setup knows the world size.
  cfg.train.accum_steps = 2;
  cfg.train.global_batch = 2 * world().size + 1;
  expect_refused(cfg, "is not divisible by world size x train.accum_steps = " + std::to_string(world().size) + " x 2");
}

TEST(Setup, RefusesAModelThatDoesNotFitTheMemoryLimit) {
  SharedDir dir("setup");
  expect_refused(tiny_run_config(write_tiny_data(dir), dir / "run", {"--train.memory_limit_gb=0.000001"}),
                 "train.memory_limit_gb");
}
