// The hostile-input catalogue of sst-train (see hostile.h for what every row asserts): bad options and
// configs, a data file that is not what it claims, and a run directory that must not be touched (a
// rerun, a resume that does not match, damaged checkpoints, a directory another run holds). Rows with
// `ranks` = 2 run under mpirun: there a refusal must end both ranks (a hang fails the row).
#include <H5Cpp.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "common/files.h"
#include "hostile.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

struct Scene {
  TempDir dir{"hostile-train"};
  std::string ini = dir / "tiny.ini";
  std::string data = tiny_dataset();
  std::string run = dir / "run";
  std::vector<std::string> args;    // besides --config INI --data DATA --out-dir RUN
  std::vector<std::string> expect;  // parts of the error line
  int lock_fd = -1;                 // a lock on the run directory this test process holds
  ~Scene() {
    if (lock_fd >= 0) ::close(lock_fd);
  }

  // The finished tiny run (checkpoints of step 2 and best.pt) as this scene's run directory.
  void finished_run() { fs::copy(tiny_run(), run, fs::copy_options::recursive); }
  std::string step2() const { return run + "/checkpoints/step_00000002.pt"; }
  // A copy of the dataset to damage, opened read-write.
  H5::H5File data_copy() {
    data = dir / "data.h5";
    fs::copy_file(tiny_dataset(), data);
    return H5::H5File(data, H5F_ACC_RDWR);
  }
};

// Overwrites element `index` of a 1-D dataset.
template <typename T>
void poke(H5::H5File& f, const std::string& dataset, hsize_t index, T value, const H5::PredType& type) {
  H5::DataSet ds = f.openDataSet(dataset);
  H5::DataSpace space = ds.getSpace();
  hsize_t one = 1;
  space.selectHyperslab(H5S_SELECT_SET, &one, &index);
  ds.write(&value, type, H5::DataSpace(1, &one), space);
}

hsize_t length_of(H5::H5File& f, const std::string& dataset) {
  hsize_t n = 0;
  f.openDataSet(dataset).getSpace().getSimpleExtentDims(&n);
  return n;
}

// Takes the run directory's lock as a running sst-train would (rundir/run_lock.h).
void hold_lock(Scene& s) {
  fs::create_directories(s.run);
  s.lock_fd = ::open((s.run + "/.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_EQ(::flock(s.lock_fd, LOCK_EX | LOCK_NB), 0);
  const std::string me = sst::host_name() + " " + std::to_string(::getpid()) + "\n";
  ASSERT_EQ(::write(s.lock_fd, me.data(), me.size()), static_cast<ssize_t>(me.size()));
  s.expect = {"run directory " + s.run + " is in use by another sst-train",
              "host and pid: " + sst::host_name() + " " + std::to_string(::getpid())};
}

struct Row {
  const char* name;
  int ranks;  // 0: the binary alone (a world of one); 2: mpirun -np 2
  std::function<void(Scene&)> prepare;
};

const std::vector<Row> kRows = {
    // ---- options and the config file ----
    {"ConfigIsADirectory", 0,
     [](Scene& s) {
       s.ini = s.dir.path();
       s.expect = {"config file " + s.dir.path() + " is not a regular file"};
     }},
    {"ConfigMissing", 0,
     [](Scene& s) {
       s.ini = s.dir / "nope.ini";
       s.expect = {"config file " + s.ini + " does not exist"};
     }},
    {"UnknownKeyInConfig", 0,
     [](Scene& s) {
       write_text(s.ini, tiny_ini_text() + "learning_rat = 0.1\n");
       s.expect = {s.ini, "train.learning_rat"};
     }},
    // ---- messages safe on a terminal (issue 26): escaped, bounded, a BOM shown ----
    {"ByteOrderMarkInConfig", 0,
     [](Scene& s) {
       write_text(s.ini, "\xEF\xBB\xBF" + tiny_ini_text());
       s.expect = {"config file " + s.ini, "invalid line '<BOM>[model]'"};
     }},
    {"EscapeSequenceInConfigValue", 0,
     [](Scene& s) {
       write_text(s.ini, tiny_ini_text() + "weight_decay = 1e-3\x1b[2J\x1b]0;owned\x07\n");
       s.expect = {"config file " + s.ini, "1e-3\\x1b[2J\\x1b]0;owned\\x07"};
     }},
    {"NulByteInConfig", 0,
     [](Scene& s) {
       write_text(s.ini, tiny_ini_text() + std::string("weight_decay = 1e-3\0x\n", 22));
       s.expect = {"config file " + s.ini + ": line 20 holds a NUL byte"};
     }},
    {"MegabyteValueInConfig", 0,
     [](Scene& s) {
       write_text(s.ini, tiny_ini_text() + "weight_decay = " + std::string(1 << 20, '9') + "x\n");
       s.expect = {"config file " + s.ini, "999 ... (", " bytes left out) ... "};
     }},
    {"UnknownCommandLineOption", 0,
     [](Scene& s) {
       s.args = {"--train.bogus_option=3"};
       s.expect = {"command line", "train.bogus_option"};
     }},
    {"LearningRateInfinite", 0,
     [](Scene& s) {
       s.args = {"--train.lr=inf"};
       s.expect = {"train.lr must be a finite number"};
     }},
    {"LearningRateNan", 0,
     [](Scene& s) {
       s.args = {"--train.lr=nan"};
       s.expect = {"train.lr must be a finite number"};
     }},
    {"DropoutNan", 0,
     [](Scene& s) {
       s.args = {"--model.dropout=nan"};
       s.expect = {"model.dropout must be a finite number"};
     }},
    {"LearningRateZero", 0,
     [](Scene& s) {
       s.args = {"--train.lr=0"};
       s.expect = {"train.lr = 0: must be > 0"};
     }},
    {"PrintConfigNegativeLearningRate", 0,
     [](Scene& s) {
       s.args = {"--print-config", "--train.lr=-1"};
       s.expect = {"train.lr = -1: must be > 0"};
     }},
    {"PrintConfigNegativeWidth", 0,
     [](Scene& s) {
       s.args = {"--print-config", "--model.d_model=-64"};
       s.expect = {"model.d_model = -64: must be >= 1"};
     }},
    {"PrintConfigHeadsDoNotDivideWidth", 0,
     [](Scene& s) {
       s.args = {"--print-config", "--model.d_model=64", "--model.heads=5"};
       s.expect = {"model.heads = 5 must divide model.d_model = 64"};
     }},
    {"AbsurdThreadCount", 0,
     [](Scene& s) {
       s.args = {"--train.threads=100000"};
       s.expect = {"train.threads = 100000: must be in [0, 4096]"};
     }},
    {"GlobalBatchNotDivisibleByRanks", 2,
     [](Scene& s) {
       s.args = {"--train.global_batch=6", "--train.accum_steps=2"};
       s.expect = {"train.global_batch = 6", "world size x train.accum_steps = 2 x 2"};
     }},
    {"OutDirUnderARegularFile", 0,
     [](Scene& s) {
       write_text(s.dir / "afile", "a regular file\n");
       s.run = s.dir / "afile/run";
       s.expect = {"output directory " + (s.dir / "afile/run")};
     }},
    {"ModelTooLargeForMemory", 0,
     [](Scene& s) {
       s.args = {"--model.layers=99999999999"};
       s.expect = {"config: the model (", "parameters", "GB", "set train.memory_limit_gb to allow more"};
     }},
    {"MemoryLimitBelowTheEstimate", 2,
     [](Scene& s) {
       s.args = {"--train.memory_limit_gb=0.0001"};
       s.expect = {"per rank", "for the 2 rank(s) on this node", "of train.memory_limit_gb"};
     }},
    // ---- the data file ----
    {"DataMissing", 0,
     [](Scene& s) {
       s.data = s.dir / "nope.h5";
       s.expect = {"dataset file " + s.data + " does not exist"};
     }},
    {"DataIsATextFile", 0,
     [](Scene& s) {
       s.data = s.dir / "data.h5";
       write_text(s.data, "sentence\tlabel\nhello\t1\n");
       s.expect = {s.data, "not an HDF5 file"};
     }},
    {"DataIsAForeignHdf5File", 0,
     [](Scene& s) {
       s.data = s.dir / "foreign.h5";
       H5::H5File f(s.data, H5F_ACC_TRUNC);
       hsize_t n = 4;
       int32_t v[4] = {1, 2, 3, 4};
       f.createDataSet("values", H5::PredType::NATIVE_INT32, H5::DataSpace(1, &n)).write(v, H5::PredType::NATIVE_INT32);
       s.expect = {s.data, "sst2-tokenized"};
     }},
    {"DataOfAnotherSchemaVersion", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       int32_t v = 99;
       f.openAttribute("schema_version").write(H5::PredType::NATIVE_INT32, &v);
       s.expect = {s.data, "schema version 99"};
     }},
    {"DataWithoutDevSplit", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       f.unlink("/splits/dev");
       s.expect = {s.data, "no split 'dev'"};
     }},
    {"TokenIdBeyondTheVocabularyNeverSampled", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       int32_t vocab = 0;
       f.openGroup("/tokenizer").openAttribute("vocab_size").read(H5::PredType::NATIVE_INT32, &vocab);
       poke<int32_t>(f, "/splits/train/tokens", length_of(f, "/splits/train/tokens") - 1, vocab,
                     H5::PredType::NATIVE_INT32);
       s.expect = {s.data + ": split 'train': example 95 has token id " + std::to_string(vocab),
                   "outside the vocabulary"};
     }},
    {"NegativeTokenIdInDev", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       poke<int32_t>(f, "/splits/dev/tokens", 0, -5, H5::PredType::NATIVE_INT32);
       s.expect = {s.data + ": split 'dev': example 0 has token id -5 (position 0)"};
     }},
    {"LabelOutOfRange", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       poke<int8_t>(f, "/splits/train/labels", 7, 7, H5::PredType::NATIVE_INT8);
       s.expect = {s.data + ": split 'train': example 7 has label 7 (expected 0 or 1)"};
     }},
    {"UnlabeledTrainExample", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       poke<int8_t>(f, "/splits/train/labels", 3, -1, H5::PredType::NATIVE_INT8);
       s.expect = {s.data + ": split 'train': example 3 has label -1"};
     }},
    {"DecreasingOffsets", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       poke<int64_t>(f, "/splits/dev/offsets", 5, 1, H5::PredType::NATIVE_INT64);
       s.expect = {s.data + ": split 'dev': offsets[5] = 1 < offsets[4] = ", "(offsets must not decrease)"};
     }},
    {"OffsetsPastTheTokens", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       poke<int64_t>(f, "/splits/train/offsets", length_of(f, "/splits/train/offsets") - 1, 1000000,
                     H5::PredType::NATIVE_INT64);
       s.expect = {s.data + ": split 'train': its offsets end at 1000000 but it has"};
     }},
    {"GarbageTokenizerBlob", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       poke<uint8_t>(f, "/tokenizer/model", 10, 0xff, H5::PredType::NATIVE_UINT8);
       s.expect = {s.data + ": the tokenizer model (/tokenizer/model) is damaged"};
     }},
    {"SpecialIdOutsideTheVocabulary", 0,
     [](Scene& s) {
       auto f = s.data_copy();
       int32_t id = 9999;
       f.openGroup("/tokenizer").openAttribute("cls_id").write(H5::PredType::NATIVE_INT32, &id);
       s.expect = {s.data + ": /tokenizer cls_id = 9999 is outside the vocabulary"};
     }},
    // ---- the run directory ----
    {"RerunWithoutResume", 0,
     [](Scene& s) {
       s.finished_run();
       s.args = {"--train.seed=2"};  // and other settings: config.ini must stay as it is
       s.expect = {"run directory " + s.run + " already has checkpoints", "--resume auto"};
     }},
    {"RerunWithoutResumeOnTwoRanks", 2,
     [](Scene& s) {
       s.finished_run();
       s.expect = {"run directory " + s.run + " already has checkpoints"};
     }},
    {"ResumeWithAnotherSeed", 0,
     [](Scene& s) {
       s.finished_run();
       s.args = {"--resume", "auto", "--train.seed=2"};
       s.expect = {"was trained with train.seed = 1, this run has 2"};
     }},
    {"ResumeWithAnotherSeedOnTwoRanks", 2,
     [](Scene& s) {
       s.finished_run();
       s.args = {"--resume", "auto", "--train.seed=2"};
       s.expect = {"was trained with train.seed = 1, this run has 2"};
     }},
    {"ResumeWithAnotherModel", 0,
     [](Scene& s) {
       s.finished_run();
       s.args = {"--resume", "auto", "--model.d_model=32"};
       s.expect = {"different model", "d_model=16", "d_model=32"};
     }},
    {"ResumeWithAnotherLearningRate", 0,
     [](Scene& s) {
       s.finished_run();
       s.args = {"--resume", "auto", "--train.lr=0.002", "--train.max_steps=4"};
       s.expect = {"was trained with other settings: train.lr = 0.002 (checkpoint: 0.001)", "cannot change"};
     }},
    {"ResumeFromMissingFile", 0,
     [](Scene& s) {
       s.args = {"--resume", s.dir / "nope/step_00000100.pt"};
       s.expect = {"checkpoint " + (s.dir / "nope/step_00000100.pt") + " does not exist"};
     }},
    {"ResumeFromDamagedFile", 0,
     [](Scene& s) {
       s.finished_run();
       corrupt_middle(s.step2());
       s.args = {"--resume", s.step2()};
       s.expect = {"checkpoint " + s.step2() + " is damaged", "--resume PATH uses that file only"};
     }},
    {"ResumeAutoWithEveryCheckpointDamaged", 0,
     [](Scene& s) {
       s.finished_run();
       corrupt_middle(s.step2());
       corrupt_middle(s.run + "/checkpoints/best.pt");
       s.args = {"--resume", "auto", "--train.max_steps=4"};
       s.expect = {"run directory " + s.run + " has checkpoints but none is valid", "step_00000002.pt is damaged"};
     }},
    {"RunDirectoryHeldByAnotherRun", 0, hold_lock},
    {"RunDirectoryHeldByAnotherRunOnTwoRanks", 2, hold_lock},
    // ---- every length, budget and count bounded before setup (no loop a signal cannot end) ----
    {"AbsurdFlopBudget", 0,
     [](Scene& s) {
       s.args = {"--train.max_steps=0", "--train.max_flops=1e300"};
       s.expect = {"train.max_flops = 1e+300: must be in [0, 1e+27]"};
     }},
    {"AbsurdTokenBudget", 0,
     [](Scene& s) {
       s.args = {"--train.max_steps=0", "--train.max_tokens=9000000000000000000"};
       s.expect = {"train.max_tokens = 9000000000000000000: must be in [0, 1e+15]"};
     }},
    {"FlopBudgetBeyondTheStepLimit", 0,
     [](Scene& s) {
       s.args = {"--train.max_steps=0", "--train.max_flops=1e26"};
       s.expect = {"train.max_flops = 1e+26", "optimizer steps, more than the limit of 1e+08 steps per run"};
     }},
    {"TokenBudgetBeyondTheStepLimit", 0,
     [](Scene& s) {
       s.args = {"--train.max_steps=0", "--train.max_tokens=1000000000000000"};
       s.expect = {"train.max_tokens = 1000000000000000 means about", "more than the limit of 1e+08 steps"};
     }},
    {"AbsurdEpochs", 0,
     [](Scene& s) {
       s.args = {"--train.max_steps=0", "--train.epochs=1e30"};
       s.expect = {"train.epochs = 1e+30: must be in [0, 1000000]"};
     }},
    {"AbsurdStepCount", 0,
     [](Scene& s) {
       s.args = {"--train.max_steps=1000000000"};
       s.expect = {"train.max_steps = 1000000000: must be in [0, 100000000]"};
     }},
    {"AbsurdAllreduceBucket", 0,
     [](Scene& s) {
       s.args = {"--train.allreduce_bucket_mb=1e30"};
       s.expect = {"train.allreduce_bucket_mb = 1e+30: must be in (0, 4096]"};
     }},
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class HostileTrain : public ::testing::TestWithParam<Row> {};

TEST_P(HostileTrain, RefusedWithOneLineAndNothingChanged) {
  const Row& row = GetParam();
  Scene s;
  write_text(s.ini, tiny_ini_text());
  row.prepare(s);
  if (HasFatalFailure()) return;
  const Snapshot before = Snapshot::of(s.dir.path());
  std::vector<std::string> argv = row.ranks > 0 ? mpirun_argv(row.ranks) : std::vector<std::string>{};
  argv.insert(argv.end(), {bin("sst-train"), "--config", s.ini, "--data", s.data, "--out-dir", s.run});
  argv.insert(argv.end(), s.args.begin(), s.args.end());
  const Outcome r = run_with_deadline(argv, 90, row.ranks > 0 ? mpirun_env() : std::vector<std::string>{});
  expect_refused(r, 1, "sst-train: error", s.expect, /*mpi=*/row.ranks > 0);
  if (row.ranks == 0) EXPECT_EQ(r.out, "") << "nothing printed (not even a partial config)";
  EXPECT_EQ(before.difference_to(Snapshot::of(s.dir.path())), "") << "in " << s.dir.path();
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostileTrain, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

}  // namespace
