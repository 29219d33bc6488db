// What the tests of a whole Run share (test_setup.cpp, test_step.cpp, test_trainer.cpp: one executable,
// tests/train/CMakeLists.txt): MPI, started once per process (a world of one, or every rank under mpirun:
// each test then runs on every rank together, so it must call the same collectives on each); a folder
// every rank sees; a tiny learnable data set; the parsed options of checkpoint_fixture.h's tiny model on it;
// and what the checks compare across ranks (an agreed refusal, a checksum of the weights).
#pragma once
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint_fixture.h"
#include "comm/control.h"
#include "comm/world.h"
#include "common/error.h"
#include "dataset/dataset_file.h"
#include "test_support.h"
#include "train/config.h"
#include "train/run.h"

namespace sst::run_test {

inline comm::World& world() {
  static comm::World w;
  return w;
}

inline const comm::ControlPlane& control() {
  static const comm::ControlPlane c(world());
  return c;
}

// MPI_Init before the first test, MPI_Finalize after the last (gtest_main's main stays).
// A world of one gets a session folder of its own (OpenMPI's orte_tmpdir_base, a TempDir): ctest runs two of
// these programs at once, and OpenMPI 4 singletons that start together race to make the shared
// /tmp/ompi.HOST.UID, one failing "mkdir ... File exists" in MPI_Init (open-mpi/ompi#8510; seen once in CI).
// Under mpirun (OMPI_COMM_WORLD_SIZE set) the launcher's session folder is used, as is one already given.
class MpiEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr && std::getenv("OMPI_MCA_orte_tmpdir_base") == nullptr) {
      session_dir_.emplace("mpi-session");
      setenv("OMPI_MCA_orte_tmpdir_base", session_dir_->path().c_str(), 1);
    }
    world() = comm::init_world(nullptr, nullptr);
  }
  void TearDown() override {
    comm::finalize_world();
    session_dir_.reset();
  }

 private:
  std::optional<test::TempDir> session_dir_;
};
inline ::testing::Environment* const kMpiEnvironment = ::testing::AddGlobalTestEnvironment(new MpiEnvironment);

// A fresh folder made by rank 0, its path on every rank; removed once every rank is done with it.
class SharedDir {
 public:
  explicit SharedDir(const std::string& tag) {
    if (world().is_root()) dir_ = std::make_unique<test::TempDir>(tag);
    path_ = control().broadcast(dir_ ? dir_->path() : "");
  }
  ~SharedDir() { control().barrier(); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::unique_ptr<test::TempDir> dir_;
  std::string path_;
};

// 32 train and 8 dev sentences of 2-5 tokens over a 12-token vocabulary: token 4 marks class 0, token 5
// class 1, the others (6-11) are noise. Written by rank 0; returns its path once every rank can read it.
inline std::string write_tiny_data(const SharedDir& dir) {
  const std::string path = dir / "tiny.h5";
  if (world().is_root()) {
    dataset::TokenizerInfo tok;
    tok.model_proto = "tiny proto";
    tok.type = "word";
    tok.vocab_size = 12;
    std::vector<dataset::Split> splits;
    for (const auto& [name, n] : {std::pair<std::string, int>{"train", 32}, {"dev", 8}}) {
      dataset::Split s;
      s.name = name;
      s.offsets = {0};
      for (int i = 0; i < n; ++i) {
        const int label = (i * 7 + n) % 2;
        s.tokens.push_back(4 + label);
        for (int j = 0; j < 1 + i % 4; ++j) s.tokens.push_back(6 + (5 * i + j) % 6);
        s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
        s.labels.push_back(static_cast<int8_t>(label));
      }
      s.source_file = name + ".tsv";
      s.source_sha256 = std::string(64, 'c');
      splits.push_back(s);
    }
    dataset::write_dataset_file(path, tok, splits, "run_fixture.h");
  }
  control().barrier();
  return path;
}

// sst-train's options for the tiny model (checkpoint_test::tiny_config()) on `data`, into `out`, on the
// CPU, one thread a rank, and `extra` ("--train.max_steps=6", ...), which replaces an option it names again.
inline Config tiny_run_config(const std::string& data, const std::string& out, std::vector<std::string> extra = {}) {
  const ModelConfig m = checkpoint_test::tiny_config();
  std::vector<std::string> args = {"sst-train",
                                   "--data",
                                   data,
                                   "--out-dir",
                                   out,
                                   "--train.device=cpu",
                                   "--train.threads=1",
                                   "--model.d_model=" + std::to_string(m.d_model),
                                   "--model.layers=" + std::to_string(m.layers),
                                   "--model.heads=" + std::to_string(m.heads),
                                   "--model.ff_dim=" + std::to_string(m.ff_dim),
                                   "--model.max_len=" + std::to_string(m.max_len),
                                   "--model.dropout=0",
                                   "--train.global_batch=8",
                                   "--train.lr=0.01",
                                   "--train.warmup_steps=0",
                                   "--train.seed=3",
                                   "--train.log_every=1",
                                   "--train.allreduce_bucket_mb=0.002"};
  for (const auto& e : extra) {  // an option given again replaces the one above (sst-train refuses repeats)
    const std::string key = e.substr(0, e.find('=') + 1);
    args.erase(std::remove_if(args.begin(), args.end(),
                              [&key](const std::string& a) { return key.back() == '=' && a.rfind(key, 0) == 0; }),
               args.end());
    args.push_back(e);
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  Config cfg;
  parse_config(static_cast<int>(argv.size()), argv.data(), cfg);
  return cfg;
}

// Runs `fn`, which must throw CollectiveError on every rank together: one rank prints it (printable), in
// one line that says `why`; the others only know that it failed.
inline void expect_agreed_refusal(const std::function<void()>& fn, const std::string& why) {
  bool refused = false, printed = false;
  std::string what;
  try {
    fn();
  } catch (const CollectiveError& e) {
    refused = true;
    printed = e.printable;
    what = e.what();
  }
  std::vector<double> ranks = {refused ? 1.0 : 0.0, printed ? 1.0 : 0.0};
  control().sum(ranks);
  EXPECT_EQ(ranks[0], world().size) << "refused on every rank: " << why;
  EXPECT_EQ(ranks[1], 1.0) << "printed by one rank: " << why;
  if (!printed) return;
  EXPECT_THAT(what, ::testing::HasSubstr(why));
  EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
}

// A checksum of this rank's weights (the run's flat parameter buffer): the same on ranks with the same weights.
inline std::string weights_of(const Run& r) {
  const auto flat = r.grads->flat_params();
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%.17g %.17g", flat.sum().item<double>(), flat.norm().item<double>());
  return buf;
}

// Whether `path` exists, as rank 0 sees it, on every rank (so that every rank takes the same branch).
inline bool exists_on_root(const std::string& path) {
  return control().broadcast(world().is_root() && std::filesystem::exists(path) ? "1" : "0") == "1";
}

}  // namespace sst::run_test
