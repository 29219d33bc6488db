// Bad input to sst-train: every mistake ends the run with a non-zero exit and ONE line
// "sst-train: error: ..." that names the problem and where it is (the key, the file), and leaves no
// summary.json or checkpoints behind. A sentence longer than model.max_len is not an error: it is
// truncated and counted.
#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "dataset/dataset_file.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

// A small, fast model; per-test variations go on the command line as --section.key=value.
std::string write_tiny_ini(const TempDir& dir, const std::string& extra_train = "") {
  const std::string path = dir / "tiny.ini";
  write_text(path,
             "[model]\n"
             "d_model = 32\nlayers = 1\nheads = 2\nff_dim = 64\nmax_len = 32\ndropout = 0.1\n"
             "[train]\n"
             "seed = 1\nglobal_batch = 16\nlr = 1e-3\nwarmup_steps = 2\nmax_steps = 4\n"
             "eval_every = 1000000\nlog_every = 1\ncheckpoint_every = 1000000\nkeep_checkpoints = 2\n"
             "threads = 1\n" +
                 extra_train);
  return path;
}

// sst-train under `mpirun -np ranks` (ranks = 0: the binary alone, as for option errors).
CommandResult train(int ranks, const std::string& args) {
  std::string launcher = ranks > 0 ? mpirun(ranks) + " " : "";
  return run_command("timeout -s KILL 300 " + std::string(ranks > 0 ? "env " : "") + launcher +
                     sh_quote(bin("sst-train")) + " " + args);
}

std::vector<std::string> error_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (line.find("sst-train: error") != std::string::npos) lines.push_back(line);
  return lines;
}

// Non-zero exit, exactly one error line containing every `needle`, no summary and no checkpoints in `run`.
void expect_clean_error(const CommandResult& r, const std::string& run, const std::vector<std::string>& needles) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.exit_code, 137) << "timed out\n" << r.output;
  auto lines = error_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << "exactly one error line expected\n" << r.output;
  for (const auto& n : needles) EXPECT_NE(lines[0].find(n), std::string::npos) << "'" << n << "' not in: " << lines[0];
  EXPECT_EQ(r.output.find("MPI_ABORT"), std::string::npos) << "an error every rank sees needs no abort\n" << r.output;
  EXPECT_FALSE(fs::exists(run + "/summary.json"));
  EXPECT_FALSE(fs::exists(run + "/checkpoints") && !fs::is_empty(run + "/checkpoints"));
}

std::string common_args(const std::string& ini, const std::string& data, const std::string& run) {
  return "--config " + sh_quote(ini) + " --data " + sh_quote(data) + " --out-dir " + sh_quote(run);
}

// A well-formed dataset file of our schema with a few short examples in the given splits.
void write_small_dataset(const std::string& path, const std::vector<std::string>& split_names) {
  sst::dataset::TokenizerInfo tok;
  tok.model_proto = "not-a-real-proto";
  tok.type = "unigram";
  tok.vocab_size = 50;
  std::vector<sst::dataset::Split> splits;
  for (const auto& name : split_names) {
    sst::dataset::Split s;
    s.name = name;
    s.offsets = {0};
    for (int i = 0; i < 32; ++i) {
      for (int j = 0; j < 3 + i % 5; ++j) s.tokens.push_back(4 + (i * 7 + j) % 46);
      s.offsets.push_back(static_cast<int64_t>(s.tokens.size()));
      s.labels.push_back(static_cast<int8_t>(i % 2));
    }
    s.source_file = name + ".tsv";
    s.source_sha256 = std::string(64, '0');
    splits.push_back(std::move(s));
  }
  sst::dataset::write_dataset_file(path, tok, splits, "test_trainer_errors");
}

}  // namespace

// ---- Options and configuration ----

TEST(TrainerErrors, UnknownKeyInConfigFileNamesFileAndKey) {
  TempDir dir("err-key");
  const std::string ini = write_tiny_ini(dir, "learning_rat = 0.1\n");
  const std::string run = dir / "run";
  auto r = train(0, common_args(ini, dir / "unused.h5", run));
  expect_clean_error(r, run, {ini, "train.learning_rat"});
  EXPECT_FALSE(fs::exists(run));
}

TEST(TrainerErrors, UnknownCommandLineOption) {
  TempDir dir("err-cli");
  const std::string ini = write_tiny_ini(dir);
  const std::string run = dir / "run";
  auto r = train(0, common_args(ini, dir / "unused.h5", run) + " --train.bogus_option=3");
  expect_clean_error(r, run, {"command line", "train.bogus_option"});
  EXPECT_FALSE(fs::exists(run));
}

TEST(TrainerErrors, HeadsMustDivideDModel) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("err-heads");
  const std::string run = dir / "run";
  auto r = train(1, common_args(write_tiny_ini(dir), data, run) + " --model.d_model=30 --model.heads=4");
  expect_clean_error(r, run, {"model.heads", "model.d_model", "30"});
}

TEST(TrainerErrors, LearningRateMustBePositive) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("err-lr");
  const std::string ini = write_tiny_ini(dir);
  for (const char* lr : {"0", "-0.001"}) {
    const std::string run = dir / (std::string("run") + lr);
    auto r = train(1, common_args(ini, data, run) + " --train.lr=" + lr);
    expect_clean_error(r, run, {"train.lr", "> 0"});
  }
}

TEST(TrainerErrors, GlobalBatchNotDivisibleByWorldTimesAccum) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("err-batch");
  const std::string run = dir / "run";
  auto r = train(2, common_args(write_tiny_ini(dir), data, run) + " --train.global_batch=6 --train.accum_steps=2");
  expect_clean_error(r, run, {"train.global_batch", "6", "train.accum_steps"});
}

TEST(TrainerErrors, OutputDirectoryUnderARegularFile) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("err-out");
  write_text(dir / "afile", "a regular file\n");
  const std::string run = dir / "afile/run";
  auto r = train(1, common_args(write_tiny_ini(dir), data, run));
  expect_clean_error(r, run, {run, "output directory"});
  EXPECT_TRUE(fs::is_regular_file(dir / "afile"));
}

// ---- The dataset file ----

TEST(TrainerErrors, DataIsATextFile) {
  TempDir dir("err-data-text");
  write_text(dir / "data.h5", "sentence\tlabel\nhello\t1\n");
  const std::string run = dir / "run";
  auto r = train(1, common_args(write_tiny_ini(dir), dir / "data.h5", run));
  expect_clean_error(r, run, {dir / "data.h5", "not an HDF5 file"});
}

TEST(TrainerErrors, DataIsAForeignHdf5File) {
  TempDir dir("err-data-foreign");
  const std::string path = dir / "foreign.h5";
  {
    H5::H5File f(path, H5F_ACC_TRUNC);
    hsize_t n = 4;
    H5::DataSpace space(1, &n);
    auto ds = f.createDataSet("values", H5::PredType::NATIVE_INT32, space);
    int32_t v[4] = {1, 2, 3, 4};
    ds.write(v, H5::PredType::NATIVE_INT32);
  }
  const std::string run = dir / "run";
  auto r = train(1, common_args(write_tiny_ini(dir), path, run));
  expect_clean_error(r, run, {path, "sst2-tokenized"});
}

TEST(TrainerErrors, DataHasAnotherSchemaVersion) {
  TempDir dir("err-data-schema");
  const std::string path = dir / "v99.h5";
  write_small_dataset(path, {"train", "dev"});
  {
    H5::H5File f(path, H5F_ACC_RDWR);
    int32_t v = 99;
    f.openAttribute("schema_version").write(H5::PredType::NATIVE_INT32, &v);
  }
  const std::string run = dir / "run";
  auto r = train(1, common_args(write_tiny_ini(dir), path, run));
  expect_clean_error(r, run, {path, "schema version 99"});
}

TEST(TrainerErrors, DataLacksTheDevSplit) {
  TempDir dir("err-data-nodev");
  const std::string path = dir / "nodev.h5";
  write_small_dataset(path, {"train"});
  const std::string run = dir / "run";
  auto r = train(1, common_args(write_tiny_ini(dir), path, run));
  expect_clean_error(r, run, {path, "'dev'"});
}

// ---- Resuming ----

TEST(TrainerErrors, ResumeFromCheckpointOfAnotherModel) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("err-resume-model");
  const std::string ini = write_tiny_ini(dir);
  auto first = train(1, common_args(ini, data, dir / "first") + " --train.max_steps=2");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string ckpt = dir / "first/checkpoints/step_00000002.pt";
  ASSERT_TRUE(fs::exists(ckpt));
  const std::string run = dir / "run";
  auto r = train(1, common_args(ini, data, run) + " --model.d_model=64 --resume " + sh_quote(ckpt));
  expect_clean_error(r, run, {ckpt, "different model", "d_model=32", "d_model=64"});
}

TEST(TrainerErrors, ResumeFromMissingFile) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("err-resume-missing");
  const std::string run = dir / "run";
  const std::string missing = dir / "nope/step_00000100.pt";
  auto r = train(1, common_args(write_tiny_ini(dir), data, run) + " --resume " + sh_quote(missing));
  expect_clean_error(r, run, {missing, "does not exist"});
}

// ---- Not an error ----

TEST(TrainerErrors, LongSentencesAreTruncatedAndCounted) {
  SST_REQUIRE_SST2();
  const std::string data = prepared_sst2();
  TempDir dir("trunc");
  const std::string run = dir / "run";
  auto r = train(1, common_args(write_tiny_ini(dir), data, run) + " --model.max_len=8");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(error_lines(r.output).empty()) << r.output;
  int64_t truncated = 0;
  int records = 0;
  for (const auto& m : read_jsonl(run + "/metrics.jsonl"))
    if (m["kind"] == "train") {
      ASSERT_TRUE(m.contains("truncated")) << m.dump();
      truncated += m["truncated"].get<int64_t>();
      ++records;
    }
  EXPECT_EQ(records, 4);
  EXPECT_GT(truncated, 0);
  EXPECT_EQ(read_json(run + "/summary.json")["status"], "completed");
}
