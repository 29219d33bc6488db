// sst-train sets its own threading environment (src/train/threading_env.h): started directly it runs
// with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS = threads per rank, as under launch/train.sh,
// and values the user set are kept.
#include "train/threading_env.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace {

using sst::test::bin;
using sst::test::run_command;
using sst::test::sh_quote;

int threads(std::vector<const char*> args, int cores, int ranks) {
  args.insert(args.begin(), "sst-train");
  return sst::default_threads_per_rank(static_cast<int>(args.size()), args.data(), cores, ranks);
}

TEST(ThreadingEnv, ThreadsPerRankAreCoresOverLocalRanksUnlessGivenOnTheCommandLine) {
  EXPECT_EQ(threads({}, 8, 2), 4);
  EXPECT_EQ(threads({}, 2, 4), 1);  // never 0
  EXPECT_EQ(threads({"--train.threads=3"}, 8, 2), 3);
  EXPECT_EQ(threads({"--config", "x.ini", "--train.threads", "5"}, 8, 2), 5);
  EXPECT_EQ(threads({"--train.threads=0"}, 8, 2), 4);    // 0 means "cores / ranks" for sst-train too
  EXPECT_EQ(threads({"--train.threads=abc"}, 8, 2), 4);  // sst-train itself refuses it later
}

// sst-train --print-config's output and stderr. With OMP_DISPLAY_ENV=VERBOSE, libgomp prints the settings
// it loaded with, once per process image: "GOMP_SPINCOUNT = '0'" is PASSIVE in effect (unset, libgomp
// spins 300000 times before it sleeps), so the last such line says what the training process runs with.
std::string print_config(const std::string& env_prefix) {
  auto r = run_command(env_prefix + " OMP_DISPLAY_ENV=VERBOSE " + sh_quote(bin("sst-train")) + " --config " +
                       sh_quote(sst::test::source_dir() + "/configs/tiny.ini") + " --train.threads=2 --print-config");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string last_line_with(const std::string& text, const std::string& what) {
  auto at = text.rfind(what);
  return at == std::string::npos ? "(no " + what + ")" : text.substr(at, text.find('\n', at) - at);
}

TEST(ThreadingEnv, StartedDirectlyItRunsWithThePassiveWaitPolicyAndTheBlasThreads) {
  auto out = print_config("env -u OMP_WAIT_POLICY -u OPENBLAS_NUM_THREADS -u SST_TRAIN_SET_ENV");
  EXPECT_EQ(last_line_with(out, "GOMP_SPINCOUNT"), "GOMP_SPINCOUNT = '0'") << out;
  auto line = last_line_with(out, "# environment: ");
  EXPECT_NE(line.find("OMP_WAIT_POLICY=PASSIVE (set by sst-train)"), std::string::npos) << line;
  EXPECT_NE(line.find("OPENBLAS_NUM_THREADS=2 (set by sst-train)"), std::string::npos) << line;
}

TEST(ThreadingEnv, ValuesTheUserSetWin) {
  auto out = print_config("env -u SST_TRAIN_SET_ENV OMP_WAIT_POLICY=ACTIVE OPENBLAS_NUM_THREADS=1");
  EXPECT_EQ(out.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << out;  // no restart: ACTIVE kept
  auto line = last_line_with(out, "# environment: ");
  EXPECT_NE(line.find("OMP_WAIT_POLICY=ACTIVE (yours)"), std::string::npos) << line;
  EXPECT_NE(line.find("OPENBLAS_NUM_THREADS=1 (yours)"), std::string::npos) << line;
}

}  // namespace
