// Multi-node behaviour on the simulated cluster (cluster.sh: 2 nodes, each its own network namespace and
// hostname, mpirun reaching node 2 through the rsh agent). Run only under `cluster.sh run 2 -- ...`
// (ctest does it; label multinode):
//   - 2 nodes x 1 rank and 2 nodes x 2 ranks train the model 1 rank trains (per-step loss and all
//     parameters within 1e-5), and every rank's placement line (host, local rank / size, threads) is right;
//   - a node that dies (every process of it killed) ends the job within 60 s, and --resume auto finishes it;
//   - a node whose network is cut, or whose ranks hang (processes alive), ends the job within
//     SST_COLLECTIVE_TIMEOUT_S + a margin, naming the stalled collective;
//   - elastic resume: preempted (SIGUSR1) on 2 nodes x 2 ranks, resumed on 2 ranks on one node, the
//     final parameters equal an uninterrupted run's within the world-size tolerance; a world size that
//     does not divide the global batch is refused, leaving the run as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <thread>

#include "background_job.h"
#include "training_runs.h"

using namespace sst::test;

namespace {

std::string cluster_script() {
  const char* c = std::getenv("SST_CLUSTER");
  return c ? c : "";
}

#define SST_REQUIRE_CLUSTER()                                                                \
  do {                                                                                       \
    SST_REQUIRE_SST2();                                                                      \
    if (cluster_script().empty())                                                            \
      FAIL() << "not on a simulated cluster: run under tests/multinode/cluster.sh run 2 --"; \
  } while (0)

// `mpirun` on node 1 of the cluster over both nodes, with `placement` (e.g. -np 4 --map-by ppr:2:node).
// The caller adds sst-train's options, the device among them (small_run_args pins the CPU).
std::string cluster_mpirun(const std::string& placement) {
  return sh_quote(cluster_script()) + " mpirun " + placement + " " + sh_quote(bin("sst-train"));
}

CommandResult cluster_command(const std::string& args) { return run_command(sh_quote(cluster_script()) + " " + args); }

// The line sst-train logs for rank `rank` (train/trainer.cpp placement_line), up to its device.
std::string placement(int rank, int size, int node, int local_rank, int local_size, int threads) {
  return "rank " + std::to_string(rank) + " of " + std::to_string(size) + ": host sstnode" + std::to_string(node) +
         ", local rank " + std::to_string(local_rank) + " of " + std::to_string(local_size) + ", " +
         std::to_string(threads) + " thread(s), device ";
}

// small_run_args with one of its options set otherwise (an option may be given once only).
std::string small_run_args_with(const std::string& data, const std::string& out, const std::string& key,
                                const std::string& value) {
  std::string args = small_run_args(data, out);
  const auto at = args.find(" --" + key + "=");
  const auto end = args.find(' ', at + 1);
  return args.replace(at, end == std::string::npos ? std::string::npos : end - at, " --" + key + "=" + value);
}

const std::string kSteady = " --model.dropout=0";  // per-rank dropout streams differ between world sizes

}  // namespace

TEST(MultiNode, TwoNodesTrainTheModelOneRankTrains) {
  SST_REQUIRE_CLUSTER();
  const std::string data = prepared_sst2();
  TempDir dir("mn_wsi");
  const std::string ref = dir / "w1", args = kSteady + " --train.max_steps=30";
  auto r1 = run_command(mpirun(1) + " " + bin("sst-train") + small_run_args(data, ref) + args);
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  for (int per_node : {1, 2}) {
    const int world = 2 * per_node;
    const std::string run = dir / ("2x" + std::to_string(per_node));
    auto r = run_command(
        cluster_mpirun("-np " + std::to_string(world) + " --map-by ppr:" + std::to_string(per_node) + ":node") +
        small_run_args(data, run) + args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    expect_same_training(ref, run, 30, "2 nodes x " + std::to_string(per_node));
    const std::string log = read_text(run + "/train.log");
    for (int rank = 0; rank < world; ++rank)
      EXPECT_NE(log.find(placement(rank, world, 1 + rank / per_node, rank % per_node, per_node, 1)), std::string::npos)
          << "rank " << rank << "'s placement line\n"
          << log;
  }
}

TEST(MultiNode, ThreadsPerRankFollowTheirOwnNodesRanks) {
  SST_REQUIRE_CLUSTER();
  const std::string data = prepared_sst2();
  TempDir dir("mn_threads");
  const std::string run = dir / "run";
  // 3 ranks on 2 nodes of 2 slots: two share node 1, one has node 2 to itself. train.threads = 0: cores / ranks
  // of the rank's own node.
  auto r = run_command(cluster_mpirun("-np 3") + kOnCpu + " --data " + data + " --out-dir " + run +
                       " --model.d_model=16 --model.layers=1 --model.heads=2 --model.ff_dim=32 --model.max_len=32"
                       " --train.global_batch=48 --train.max_steps=2 --train.eval_every=1000 --train.threads=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const std::string log = read_text(run + "/train.log");
  EXPECT_NE(log.find(placement(0, 3, 1, 0, 2, std::max(1, cores / 2))), std::string::npos) << log;
  EXPECT_NE(log.find(placement(1, 3, 1, 1, 2, std::max(1, cores / 2))), std::string::npos) << log;
  EXPECT_NE(log.find(placement(2, 3, 2, 0, 1, cores)), std::string::npos) << log;
}

TEST(MultiNode, ALostNodeEndsTheJobAndResumeAutoFinishesIt) {
  SST_REQUIRE_CLUSTER();
  const std::string data = prepared_sst2();
  TempDir dir("mn_lost");
  const std::string run = dir / "run";
  const std::string cmd = cluster_mpirun("-np 4 --map-by ppr:2:node") +
                          small_run_args_with(data, run, "train.checkpoint_every", "5") + kSteady +
                          " --train.max_steps=60";
  BackgroundJob job(cmd, dir / "job.log");
  ASSERT_TRUE(job.wait_for_step(run + "/metrics.jsonl", 7, 180)) << "no training progress\n" << job.output();
  auto kill = cluster_command("kill-node 2");
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  const auto t0 = Clock::now();
  auto code = job.wait_for(60);
  ASSERT_TRUE(code.has_value()) << "the job still runs 60 s after node 2 died\n" << job.output();
  std::printf("the job ended %.1f s after node 2 died, exit %d\n", since(t0), *code);
  EXPECT_NE(*code, 0) << job.output();
  EXPECT_NE(*code, 75) << "a lost node is not a clean preemption\n" << job.output();

  auto resumed = run_command(cmd + " --resume auto");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from"), std::string::npos) << resumed.output;
  EXPECT_EQ(read_json(run + "/summary.json")["status"], "completed");
  EXPECT_EQ(train_records(run).size(), 60u) << "each step logged once";
}

namespace {

// A 2 x 2 job with SST_COLLECTIVE_TIMEOUT_S=5 reaches step 3, then `fault` (a cluster.sh command) strikes
// node 2 while its processes stay alive: the job must end non-zero within `bound` s, its output naming
// the collective that stalled.
void expect_ended_by_the_collective_timeout(const std::string& name, const std::string& fault, int bound) {
  const std::string data = prepared_sst2();
  TempDir dir(name);
  const std::string run = dir / "run";
  constexpr int kTimeout = 5;
  BackgroundJob job(
      cluster_mpirun("-np 4 --map-by ppr:2:node -x SST_COLLECTIVE_TIMEOUT_S=" + std::to_string(kTimeout)) +
          small_run_args(data, run) + " --train.max_steps=100000",
      dir / "job.log");
  ASSERT_TRUE(job.wait_for_step(run + "/metrics.jsonl", 3, 180)) << "no training progress\n" << job.output();
  auto f = cluster_command(fault);
  ASSERT_EQ(f.exit_code, 0) << f.output;
  const auto t0 = Clock::now();
  auto code = job.wait_for(bound);
  ASSERT_TRUE(code.has_value()) << "the job still runs " << bound << " s after " << fault << "\n" << job.output();
  std::printf("the job ended %.1f s after %s, exit %d\n", since(t0), fault.c_str(), *code);
  EXPECT_NE(*code, 0);
  const std::string out = job.output();
  EXPECT_NE(out.find("made no progress for " + std::to_string(kTimeout) + " s (SST_COLLECTIVE_TIMEOUT_S)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("the MPI collective MPI_"), std::string::npos) << "names the stalled collective\n" << out;
}

}  // namespace

// Its link down: the ranks of node 1 abort after the timeout; mpirun ends once TCP gives up on node 2's
// daemon (~13 s in the cluster: tcp_retries2=5).
TEST(MultiNode, ACutNetworkEndsTheJobWithinTheCollectiveTimeout) {
  SST_REQUIRE_CLUSTER();
  expect_ended_by_the_collective_timeout("mn_cut", "link 2 down", 50);
}

// Its ranks stopped (SIGSTOP: a rank stuck in a driver or a frozen file read), its network and daemon
// fine: no connection ever fails, so only the timeout can end the job.
TEST(MultiNode, HungRanksOnOneNodeEndTheJobWithinTheCollectiveTimeout) {
  SST_REQUIRE_CLUSTER();
  expect_ended_by_the_collective_timeout("mn_hang", "signal STOP sst-train 2", 30);
}

TEST(MultiNode, PreemptedOnTwoNodesResumesOnOneNodeWithTheSameModel) {
  SST_REQUIRE_CLUSTER();
  const std::string data = prepared_sst2();
  TempDir dir("mn_elastic");
  const std::string straight = dir / "straight", run = dir / "run";
  const std::string args = kSteady + " --train.max_steps=40";
  auto s = run_command(mpirun(1) + " " + bin("sst-train") + small_run_args(data, straight) + args);
  ASSERT_EQ(s.exit_code, 0) << s.output;

  BackgroundJob job(cluster_mpirun("-np 4 --map-by ppr:2:node") + small_run_args(data, run) + args, dir / "job.log");
  ASSERT_TRUE(job.wait_for_step(run + "/metrics.jsonl", 5, 180)) << "no training progress\n" << job.output();
  auto usr1 = cluster_command("signal USR1 sst-train");  // what scancel --signal=USR1 does: every rank
  ASSERT_EQ(usr1.exit_code, 0) << usr1.output;
  auto code = job.wait_for(60);
  ASSERT_TRUE(code.has_value()) << job.output();
  ASSERT_EQ(*code, 75) << "checkpointed and asks for a requeue\n" << job.output();

  // 3 ranks cannot split the global batch of 32: refused with the reason, the run directory untouched.
  const std::string before = read_text(run + "/metrics.jsonl");
  auto refused = run_command(mpirun(3) + " " + bin("sst-train") + small_run_args(data, run) + args + " --resume auto");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("train.global_batch = 32 is not divisible by world size x train.accum_steps = 3 x 1"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(read_text(run + "/metrics.jsonl"), before);

  auto resumed = run_command(mpirun(2) + " " + bin("sst-train") + small_run_args(data, run) + args + " --resume auto");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from"), std::string::npos) << resumed.output;
  expect_same_training(straight, run, 40, "4 ranks on 2 nodes, then 2 ranks on one");
}
