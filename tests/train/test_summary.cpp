// train/summary.h: make_summary, the run's summary.json record from what the trainer knows at its end —
// the counts, the compute C = 6 N D over the non-embedding parameters, the best point and its LR, a
// cooldown branch's own compute, null for what was not measured, the run's setting — and that record read
// back from the file as it was made (rundir/summary.h writes it; sst-sweep and sst-analyze read it).
// The Run is assembled by hand as setup.cpp would build it, without a data file or MPI: make_summary only
// reads it. RunRecorder::finish writing it at the end of a run: test_run_recorder.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>

#include "checkpoint_fixture.h"
#include "rundir/summary.h"
#include "test_support.h"
#include "train/summary.h"

namespace {

using sst::rundir::RunStatus;

struct Summary : ::testing::Test {
  sst::Run r{config(), sst::comm::World{}};
  const sst::RunOutcome measured{RunStatus::kCompleted, 0.55, 0.8, 0.4};
  const sst::RunOutcome unmeasured{RunStatus::kPreempted, NAN, NAN, NAN};

  static sst::Config config() {
    sst::Config c;
    c.run_name = "xs_f0.5_s3";
    c.data.path = "data/sst2.h5";
    c.data.fraction = 0.5;
    c.model = sst::checkpoint_test::tiny_config();
    c.train.global_batch = 8;
    c.train.seed = 3;
    c.train.schedule = sst::ScheduleKind::kWsd;
    return c;
  }

  Summary() {
    std::vector<int64_t> pool(40);  // 40 examples in batches of 8: 5 batches an epoch
    std::iota(pool.begin(), pool.end(), 0);
    r.sampler = std::make_unique<sst::shard::GlobalBatchSampler>(pool, r.cfg.train.global_batch, r.cfg.train.seed);
    r.model = sst::TransformerClassifier(r.cfg.model);
    r.comm = sst::comm::make_mpi_communicator();  // no MPI call: the summary only names it
    sst::comm::GradSyncOptions alone;
    alone.overlap = false;  // one rank: nothing to overlap (and no MPI thread level to ask for)
    r.grads = std::make_unique<sst::comm::GradientSynchronizer>(r.model->parameters(), *r.comm, r.control, alone);
    r.optimizer = sst::make_torch_adamw(sst::split_for_weight_decay(r.model), sst::AdamWSettings{});
    r.schedule = {1e-3, 0.1, 2, 10, sst::ScheduleKind::kCosine};  // decays every step after the warmup
    r.train_tokens = 400;
    r.state.step = 7;
    r.state.tokens_processed = 560;
    r.state.examples_processed = 56;
    r.state.best_step = 5;
    r.state.best_dev_loss = 0.6;
    r.state.best_dev_acc = 0.7;
    r.state.best_tokens_processed = 400;
    r.state.skipped_steps = 1;
    r.state.wall_s = 12.5;
  }
  // N: the non-embedding parameters, Kaplan et al.'s count.
  double n() const { return static_cast<double>(r.model->num_non_embedding_params()); }
};

}  // namespace

TEST_F(Summary, CountsAndComputeFollowTheRunsStateAndData) {
  const auto s = sst::make_summary(r, measured);
  EXPECT_EQ(s.steps, 7);
  EXPECT_DOUBLE_EQ(s.epochs, 7.0 / 5.0);
  EXPECT_EQ(s.train_examples, 40) << "whole batches of the train subset";
  EXPECT_EQ(s.train_tokens, 400);
  EXPECT_EQ(s.tokens_processed, 560);
  EXPECT_EQ(s.examples_processed, 56);
  EXPECT_EQ(s.params, r.model->num_params());
  EXPECT_EQ(s.non_embedding_params, r.model->num_non_embedding_params());
  EXPECT_EQ(s.embedding_params, r.model->num_embedding_params());
  EXPECT_GT(s.embedding_params, 0);
  EXPECT_DOUBLE_EQ(s.flops, 6.0 * n() * 560) << "C = 6 N D, N without the embeddings";
  EXPECT_DOUBLE_EQ(s.flops_spent, s.flops) << "not a branch: every step is this run's own";
  EXPECT_EQ(s.branch_step, -1);
  EXPECT_EQ(s.budget_tokens, 0);
  EXPECT_EQ(s.budget_flops, 0);
  EXPECT_EQ(s.skipped_steps, 1);
  EXPECT_EQ(s.wall_s, 12.5);
}

TEST_F(Summary, TheBestPointCarriesItsComputeAndTheLrOfItsOptimizerStep) {
  const auto s = sst::make_summary(r, measured);
  EXPECT_EQ(s.best_step, 5);
  EXPECT_EQ(s.best_dev_loss, 0.6);
  EXPECT_EQ(s.best_dev_acc, 0.7);
  EXPECT_EQ(s.tokens_at_best, 400);
  EXPECT_DOUBLE_EQ(s.flops_at_best, 6.0 * n() * 400);
  ASSERT_TRUE(s.lr_at_best);
  ASSERT_NE(r.schedule.at(4), r.schedule.at(5)) << "the test needs a decaying LR there";
  EXPECT_EQ(*s.lr_at_best, r.schedule.at(4)) << "step 5 is optimizer step 4 (0-based)";
}

TEST_F(Summary, ABranchSpendsOnlyTheComputeAfterItsParentsSnapshot) {
  r.state.branch_step = 4;
  r.state.branch_tokens = 320;
  r.budget_tokens = 1000;
  const auto s = sst::make_summary(r, measured);
  EXPECT_EQ(s.branch_step, 4);
  EXPECT_DOUBLE_EQ(s.flops, 6.0 * n() * 560) << "the compute of the model it ends with, the parent's prefix too";
  EXPECT_DOUBLE_EQ(s.flops_spent, 6.0 * n() * (560 - 320)) << "what the branch trained itself";
  EXPECT_EQ(s.budget_tokens, 1000);
  EXPECT_DOUBLE_EQ(s.budget_flops, 6.0 * n() * 1000);
}

TEST_F(Summary, WhatWasNotMeasuredIsNullNotNaN) {
  auto s = sst::make_summary(r, measured);
  EXPECT_EQ(s.final_dev_loss, 0.55);
  EXPECT_EQ(s.final_dev_acc, 0.8);
  EXPECT_EQ(s.final_train_loss, 0.4);

  r.state.best_step = -1;  // never evaluated
  r.state.best_dev_loss = std::numeric_limits<double>::infinity();
  s = sst::make_summary(r, unmeasured);
  EXPECT_EQ(s.status, RunStatus::kPreempted);
  EXPECT_FALSE(s.best_dev_loss);
  EXPECT_FALSE(s.best_dev_acc) << "no evaluation: no accuracy, not 0";
  EXPECT_FALSE(s.lr_at_best);
  EXPECT_FALSE(s.final_dev_loss);
  EXPECT_FALSE(s.final_dev_acc);
  EXPECT_FALSE(s.final_train_loss);
  const auto j = sst::rundir::to_json(s);
  for (const char* key : {"best_dev_loss", "best_dev_acc", "lr_at_best", "final_dev_loss", "final_train_loss"})
    EXPECT_TRUE(j.at(key).is_null()) << key;
}

TEST_F(Summary, RecordsTheRunsSettingAndWhereItRan) {
  const auto s = sst::make_summary(r, measured);
  EXPECT_EQ(s.run_name, "xs_f0.5_s3");
  EXPECT_EQ(s.status, RunStatus::kCompleted);
  EXPECT_EQ(s.data, "data/sst2.h5");
  EXPECT_EQ(s.data_fraction, 0.5);
  EXPECT_EQ(s.seed, 3u);
  EXPECT_EQ(s.global_batch, 8);
  EXPECT_EQ(s.schedule, "wsd") << "the configured schedule's name";
  EXPECT_EQ(s.model, sst::model_json(r.cfg.model));
  EXPECT_EQ(s.model.at("d_model"), 16);
  EXPECT_EQ(s.world_size, 1);
  EXPECT_EQ(s.threads_per_rank, torch::get_num_threads());
  EXPECT_EQ(s.device, "cpu");
  EXPECT_EQ(s.backend, "mpi");
  EXPECT_EQ(s.optimizer, "adamw");
  EXPECT_EQ(s.optimizer_state_bytes_per_rank, r.optimizer->state_bytes());
  EXPECT_EQ(s.sparse_embedding_steps, 0);
  EXPECT_EQ(s.sparse_counts_apart, 0);
  for (const char* lib : {"torch", "mpi"})
    EXPECT_FALSE(s.versions.value(lib, std::string()).empty()) << lib << " version";
}

TEST_F(Summary, ReadsBackFromSummaryJsonAsItWasMade) {
  sst::test::TempDir dir("train-summary");
  const sst::rundir::RunDir run(dir.path());
  const auto s = sst::make_summary(r, measured);
  sst::rundir::write_summary(run, s);
  const auto j = sst::test::read_json(run.summary());
  EXPECT_EQ(j.at("status"), "completed");
  EXPECT_DOUBLE_EQ(j.at("flops").get<double>(), s.flops);
  auto back = sst::rundir::read_summary(run);
  ASSERT_TRUE(back);
  EXPECT_EQ(sst::rundir::to_json(*back), sst::rundir::to_json(s));

  // Written again at a later step, the file is replaced whole, and nothing else is left beside it.
  r.state.step = 9;
  sst::rundir::write_summary(run, sst::make_summary(r, unmeasured));
  back = sst::rundir::read_summary(run);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->steps, 9);
  EXPECT_EQ(back->status, RunStatus::kPreempted);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.path() != run.summary();
  EXPECT_EQ(files, 0) << "no temporary left behind by the atomic write";
}
