// The hostile-input catalogue of sst-prep (see hostile.h for what every row asserts): bad TSVs, bad
// options, an output that cannot be written, and a disk that fills up (while HDF5 writes, or only
// when it closes the file). In every row a previous output file is in place and must survive intact.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "dataset/dataset_file.h"
#include "hostile.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

struct Scene {
  TempDir dir{"hostile-prep"};
  std::string data = dir / "data";
  std::string output = dir / "out/prep.h5";
  std::vector<std::string> args;    // a row edits these
  std::vector<std::string> expect;  // parts of the error line
  std::vector<std::string> watched = {dir.path()};
  std::unique_ptr<Tmpfs> disk;

  void set(const std::string& option, const std::string& value) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == option) {
        args[i + 1] = value;
        return;
      }
    args.insert(args.end(), {option, value});
  }
  void drop(const std::string& option) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == option) {
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        return;
      }
  }
  void write_tsv(const std::string& name, const std::string& text) { write_text(data + "/" + name, text); }
};

struct Row {
  const char* name;
  int exit_code;
  std::function<void(Scene&)> prepare;
};

// The output on a tmpfs with `free_kb` left, holding a valid previous dataset file.
void full_disk(Scene& s, int free_kb) {
  s.disk = std::make_unique<Tmpfs>(512);
  if (!s.disk->available()) GTEST_SKIP() << s.disk->why();
  s.output = s.disk->path() + "/sst2.h5";
  fs::copy_file(tiny_dataset(), s.output);
  s.set("--output", s.output);
  s.disk->leave_free_kb(free_kb);
  s.watched.push_back(s.disk->path());
  s.expect = {"cannot write HDF5 file " + s.output, "No space left on device", "free on its file system"};
}

const std::vector<Row> kRows = {
    {"DataDirMissing", 1,
     [](Scene& s) {
       s.set("--data-dir", s.dir / "nope");
       s.expect = {"data directory " + (s.dir / "nope") + " does not exist"};
     }},
    {"TrainTsvMissing", 1,
     [](Scene& s) {
       fs::remove(s.data + "/train.tsv");
       s.expect = {"cannot open " + s.data + "/train.tsv"};
     }},
    {"DevTsvMissing", 1,
     [](Scene& s) {
       fs::remove(s.data + "/dev.tsv");
       s.expect = {"cannot open " + s.data + "/dev.tsv"};
     }},
    {"TrainTsvIsADirectory", 1,
     [](Scene& s) {
       fs::remove(s.data + "/train.tsv");
       fs::create_directory(s.data + "/train.tsv");
       s.expect = {"cannot open " + s.data + "/train.tsv: is a directory"};
     }},
    {"EmptyDevTsv", 1,
     [](Scene& s) {
       s.write_tsv("dev.tsv", "");
       s.expect = {s.data + "/dev.tsv: empty file"};
     }},
    {"HeaderWithoutSentenceColumn", 1,
     [](Scene& s) {
       s.write_tsv("dev.tsv", "text\tlabel\nfine\t1\n");
       s.expect = {s.data + "/dev.tsv:1:", "no 'sentence' column"};
     }},
    {"TrainWithoutLabelColumn", 1,
     [](Scene& s) {
       s.write_tsv("train.tsv", "index\tsentence\n0\ta film\n");
       s.expect = {s.data + "/train.tsv", "no 'label' column"};
     }},
    {"LabelNotZeroOrOne", 1,
     [](Scene& s) {
       s.write_tsv("train.tsv", "sentence\tlabel\na film\t1\nanother\tpos\n");
       s.expect = {s.data + "/train.tsv:3: label 'pos' is not 0 or 1"};
     }},
    {"EmptySentence", 1,
     [](Scene& s) {
       s.write_tsv("dev.tsv", "sentence\tlabel\na film\t1\n  \t0\n");
       s.expect = {s.data + "/dev.tsv:3: empty sentence"};
     }},
    {"InvalidUtf8", 1,
     [](Scene& s) {
       s.write_tsv("test.tsv", "index\tsentence\n0\tok\n1\tbad \xC3\x28 byte\n");
       s.expect = {s.data + "/test.tsv:3: invalid UTF-8 at byte offset 26"};
     }},
    {"NulByte", 1,
     [](Scene& s) {
       s.write_tsv("dev.tsv", std::string("sentence\tlabel\na \0 film\t1\n", 26));
       s.expect = {s.data + "/dev.tsv:2:", "NUL"};
     }},
    {"TooFewFields", 1,
     [](Scene& s) {
       s.write_tsv("dev.tsv", "sentence\tlabel\nfine\t1\njust a sentence\n");
       s.expect = {s.data + "/dev.tsv:3: too few fields"};
     }},
    {"UnknownModelType", 2,  // the option table refuses it: a usage error naming the option and the value
     [](Scene& s) {
       s.set("--model-type", "wordpiece");
       s.expect = {"'wordpiece'", "--model-type", "must be unigram or bpe or word", "sst-prep --help"};
     }},
    {"VocabSizeOutOfRange", 2,  // the option table refuses it: a usage error
     [](Scene& s) {
       s.set("--vocab-size", "3");
       s.expect = {"--vocab-size = 3: must be in [8, 1000000]", "sst-prep --help"};
     }},
    {"UnknownFormat", 2,
     [](Scene& s) {
       s.set("--format", "csv");
       s.expect = {"'csv'", "--format", "must be sst2 or tsv or jsonl"};
     }},
    {"OutputIsADirectory", 1,
     [](Scene& s) {
       s.set("--output", s.data);
       s.expect = {"output " + s.data + " is a directory"};
     }},
    {"OutputUnderARegularFile", 1,
     [](Scene& s) {
       write_text(s.dir / "regular", "x");
       s.set("--output", s.dir / "regular/out.h5");
       s.expect = {"cannot create output directory " + (s.dir / "regular")};
     }},
    {"OutputDirectoryNotWritable", 1,
     [](Scene& s) {
       s.set("--output", "/proc/sst_out.h5");
       s.expect = {"output directory /proc is not writable"};
     }},
    {"FullDiskNothingFree", 1, [](Scene& s) { full_disk(s, 0); }},
    {"FullDiskWhileClosing", 1, [](Scene& s) { full_disk(s, 8); }},  // HDF5 writes most of it at close
    {"FullDiskAlmostEnough", 1, [](Scene& s) { full_disk(s, 24); }},
    {"MissingOutputOption", 2,
     [](Scene& s) {
       s.drop("--output");
       s.expect = {"--output", "sst-prep --help"};
     }},
    {"VocabSizeNotANumber", 2,
     [](Scene& s) {
       s.set("--vocab-size", "many");
       s.expect = {"vocab-size"};
     }},
    {"SeedReservedBySentencePiece", 2,
     [](Scene& s) {
       s.set("--seed", "4294967295");
       s.expect = {"--seed = 4294967295: must be in [0, 4294967294]"};
     }},
    {"UnknownOption", 2,
     [](Scene& s) {
       s.args.push_back("--bogus");
       s.expect = {"bogus"};
     }},
    // ---- outputs never replace inputs ----
    {"OutputIsItsOwnInput", 1,
     [](Scene& s) {
       s.set("--output", s.data + "/train.tsv");
       s.expect = {"--output " + s.data + "/train.tsv is the input " + s.data + "/train.tsv (the same file)",
                   "refusing to replace an input with an output"};
     }},
    {"OutputIsALinkToAnInput", 1,
     [](Scene& s) {
       fs::create_symlink(s.data + "/dev.tsv", s.dir / "out.h5");
       s.set("--output", s.dir / "out.h5");
       s.expect = {"--output " + (s.dir / "out.h5") + " is the input " + s.data + "/dev.tsv"};
     }},
    {"OutputIsAHardLinkToAnInput", 1,
     [](Scene& s) {
       fs::create_hard_link(s.data + "/test.tsv", s.dir / "out.h5");
       s.set("--output", s.dir / "out.h5");
       s.expect = {"--output " + (s.dir / "out.h5") + " is the input " + s.data + "/test.tsv"};
     }},
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class HostilePrep : public ::testing::TestWithParam<Row> {};

TEST_P(HostilePrep, RefusedWithOneLineAndNothingChanged) {
  Scene s;
  fs::copy(tiny_tsv_dir(), s.data);
  write_text(s.output, "previous contents");
  s.args = {"--data-dir", s.data, "--output", s.output, "--vocab-size", "200"};
  GetParam().prepare(s);
  if (IsSkipped()) return;
  std::vector<Snapshot> before;
  for (const auto& w : s.watched) before.push_back(Snapshot::of(w));
  std::vector<std::string> argv = {bin("sst-prep")};
  argv.insert(argv.end(), s.args.begin(), s.args.end());
  const Outcome r = run_with_deadline(argv, 60);
  expect_refused(r, GetParam().exit_code, "sst-prep: error: ", s.expect);
  for (size_t i = 0; i < s.watched.size(); ++i)
    EXPECT_EQ(before[i].difference_to(Snapshot::of(s.watched[i])), "") << "in " << s.watched[i];
  if (s.disk) EXPECT_NO_THROW(sst::dataset::DatasetFile{s.output}) << "the previous file is still whole";
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostilePrep, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

// A disk with just enough room is not a failure: the check above is not vacuous.
TEST(HostilePrepDisk, RoomyTmpfsWritesAWholeFile) {
  Tmpfs disk(1024);
  if (!disk.available()) GTEST_SKIP() << disk.why();
  const std::string out = disk.path() + "/sst2.h5";
  const Outcome r =
      run_with_deadline({bin("sst-prep"), "--data-dir", tiny_tsv_dir(), "--output", out, "--vocab-size", "200"}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NO_THROW(sst::dataset::DatasetFile{out});
  EXPECT_EQ(std::distance(fs::directory_iterator(disk.path()), {}), 1) << "no temporary left";
}

// A temporary that a killed sst-prep left next to its output is removed by the next one.
TEST(HostilePrepDisk, StaleTemporaryOfADeadWriterIsRemoved) {
  TempDir dir("hostile-prep-stale");
  const std::string out = dir / "sst2.h5";
  const std::string stale = dir / ".sst2.h5.tmp.999999999", other_host = dir / ".sst2.h5.tmp.elsewhere.1";
  write_text(stale, "half an HDF5 file");
  write_text(other_host, "another host's writer may be alive");
  const Outcome r =
      run_with_deadline({bin("sst-prep"), "--data-dir", tiny_tsv_dir(), "--output", out, "--vocab-size", "200"}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(other_host)) << "a writer on another host cannot be checked, so it is left alone";
}

}  // namespace
