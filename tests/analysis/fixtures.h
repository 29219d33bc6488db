// Helpers shared by the tests of several analysis/ groups (header-only): the sst-analyze binary, a tiny
// model trained on the real SST-2 for the commands that load a checkpoint (integration tests), and
// fabricated run and sweep directories for the ones that read runs (unit tests).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_support.h"

namespace sst::analysis::fixtures {

// The test_support helpers the command tests use, so that `using namespace fixtures;` is all they need.
using test::read_json;
using test::read_text;
using test::run_command;
using test::sh_quote;
using test::TempDir;

inline std::string analyze() { return test::bin("sst-analyze"); }

inline size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

inline bool nonempty(const std::filesystem::path& p) {
  return std::filesystem::exists(p) && std::filesystem::file_size(p) > 0;
}

// STEM.{png,svg,dat,gp} exist and are not trivially small: a figure that plot::render drew.
inline void expect_figure(const std::filesystem::path& stem) {
  for (const char* ext : {".png", ".svg", ".dat", ".gp"}) {
    const std::filesystem::path p = stem.string() + ext;
    ASSERT_TRUE(std::filesystem::exists(p)) << p;
    EXPECT_GT(std::filesystem::file_size(p), 100u) << p;
  }
}

// One tiny model for every test that loads a checkpoint: 40 steps of configs/tiny.ini on one rank (~10 s on
// 2 cores). ctest runs each test in its own process, so the first one trains it into the build's
// test_data/ and the others reuse it (they only read it; each writes into its own out()). The folder is
// named by sst-train's size and modification time, so a rebuilt sst-train trains a fresh one; it is
// trained in a temporary folder and renamed into place, so no test ever sees half a run. Derive a fixture
// named Analysis<Something> from it (the suite name is what `ctest -R Analysis` matches).
class TinyRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    namespace fs = std::filesystem;
    if (test::sst2_dir().empty()) return;
    data_ = test::prepared_sst2();
    dir_ = std::make_unique<test::TempDir>("analysis_cli");
    const fs::path train = test::bin("sst-train");
    const fs::path shared = fs::path(test::bin_dir()) / ".." / "test_data" /
                            ("tiny_run-" + std::to_string(fs::file_size(train)) + "-" +
                             std::to_string(fs::last_write_time(train).time_since_epoch().count()));
    run_ = shared.string();
    trained_ = fs::exists(shared / "summary.json");
    if (trained_) return;
    const std::string fresh = *dir_ / "run";
    const auto r = test::run_command(test::sh_quote(train.string()) + " --config " +
                                     test::sh_quote(sst::test::source_dir() + "/configs/tiny.ini") + " --data " +
                                     test::sh_quote(data_) + " --out-dir " + test::sh_quote(fresh) +
                                     " --train.max_steps=40 --train.eval_every=20 --train.threads=1" + test::kOnCpu);
    train_output_ = r.output;
    if (r.exit_code != 0) return;
    std::error_code ec;
    for (const auto& old : fs::directory_iterator(shared.parent_path(), ec)) {  // an older sst-train's run
      const std::string name = old.path().filename().string();
      if (name.rfind("tiny_run-", 0) == 0 && name != shared.filename().string()) fs::remove_all(old.path(), ec);
    }
    fs::rename(fresh, shared, ec);  // fails only if another process renamed its run there first: use that
    trained_ = fs::exists(shared / "summary.json");
  }
  static void TearDownTestSuite() { dir_.reset(); }
  void SetUp() override {
    SST_REQUIRE_SST2();
    ASSERT_TRUE(trained_) << train_output_;
  }
  static std::string ckpt() { return run_ + "/checkpoints/best.pt"; }
  static std::string out(const std::string& name) { return *dir_ / name; }

  static inline std::string data_, run_, train_output_;
  static inline bool trained_ = false;
  static inline std::unique_ptr<test::TempDir> dir_;
};

// A fabricated run directory: config.ini, metrics.jsonl with train and eval points at steps 20 and 40,
// and (unless summary is false) summary.json.
struct FakeRun {
  std::string lr = "0.002";
  int seed = 1;
  double acc = 0.8, loss = 0.45;  // the last eval point's dev accuracy and loss (the best of the two)
  bool summary = true;
  double params = 1e5;   // summary.json's params and non_embedding_params
  double tokens = 2000;  // tokens_processed at step 40 (half of it at step 20), also in summary.json
};

inline void write_run(const std::filesystem::path& dir, const FakeRun& r) {
  const std::string name = dir.filename().string();
  test::write_text(
      (dir / "config.ini").string(),
      "[data]\npath = data/sst2.h5\nfraction = 1\n\n[model]\nd_model = 64\nlayers = 2\n\n[train]\nseed = " +
          std::to_string(r.seed) + "\nlr = " + r.lr + "\nmax_steps = 40\n\n[output]\ndir = runs/" + name +
          "\nrun_name = " + name + "\n");
  std::ostringstream m;
  m.precision(12);
  m << "{\"kind\":\"train\",\"step\":20,\"loss\":0.69,\"tokens_processed\":" << r.tokens / 2 << ",\"lr\":0.001}\n"
    << "{\"kind\":\"eval\",\"step\":20,\"dev_loss\":" << r.loss + 0.1 << ",\"dev_acc\":" << r.acc - 0.05
    << ",\"tokens_processed\":" << r.tokens / 2 << "}\n"
    << "{\"kind\":\"train\",\"step\":40,\"loss\":0.5,\"tokens_processed\":" << r.tokens << ",\"lr\":0.001}\n"
    << "{\"kind\":\"eval\",\"step\":40,\"dev_loss\":" << r.loss << ",\"dev_acc\":" << r.acc
    << ",\"tokens_processed\":" << r.tokens << "}\n";
  test::write_text((dir / "metrics.jsonl").string(), m.str());
  if (r.summary)
    test::write_text((dir / "summary.json").string(),
                     nlohmann::json{{"status", "completed"},
                                    {"best_dev_acc", r.acc},
                                    {"best_dev_loss", r.loss},
                                    {"steps", 40},
                                    {"params", static_cast<int64_t>(r.params)},
                                    {"non_embedding_params", static_cast<int64_t>(r.params)},
                                    {"tokens_processed", static_cast<int64_t>(r.tokens)}}
                         .dump());
}

// A sweep directory: runs/r0 .. runs/r8 over N in {1e5, 3e5, 1e6} x D in {1e6, 3e6, 1e7} with a loss from a
// known L(N, D) (lr 0.001 for r0, r2, ..., 0.002 for the others; seeds 1 to 3), and the sweep.csv sst-sweep
// would write for them, in which the last run failed. Returns the sweep directory.
inline std::filesystem::path write_sweep(const std::filesystem::path& sweep) {
  std::string csv =
      "run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,"
      "best_dev_loss,best_dev_acc,epochs,wall_s,world_size,status\n";
  int i = 0;
  for (double n : {1e5, 3e5, 1e6})
    for (double t : {1e6, 3e6, 1e7}) {
      const double loss = 0.3 + 40 / std::pow(n, 0.4) + 300 / std::pow(t, 0.35);
      const std::string name = "r" + std::to_string(i++);
      write_run(sweep / "runs" / name, {i % 2 ? "0.001" : "0.002", 1 + i % 3, 0.9 - loss / 4, loss, true, n, t});
      std::ostringstream row;
      row.precision(12);
      row << name << ",m," << n << "," << n << ",1," << t << "," << t << "," << 6 * n * t << "," << loss
          << ",0.8,1,1,1,"
          << (i == 9       ? "failed"
              : i % 4 == 0 ? "early_stopped"
                           : "completed")
          << "\n";
      csv += row.str();
    }
  test::write_text((sweep / "sweep.csv").string(), csv);
  return sweep;
}

}  // namespace sst::analysis::fixtures
