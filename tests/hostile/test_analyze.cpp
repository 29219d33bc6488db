// The hostile-input catalogue of sst-analyze (see hostile.h for what every row asserts): checkpoints
// that are missing, foreign or damaged, data files that are not what they claim, text that is not
// UTF-8, and usage errors. In every row a previous output folder is in place and must survive intact.
#include <H5Cpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "hostile.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

struct Scene {
  TempDir dir{"hostile-analyze"};
  std::string checkpoint = tiny_run() + "/checkpoints/best.pt";
  std::string output = dir / "out";  // holds a previous result
  std::vector<std::string> argv;
  std::string shell;  // instead of argv: a command line (for stdin)
  std::vector<std::string> expect;
  std::string tool;
  std::unique_ptr<Tmpfs> disk;  // a full disk's rows: the output lives there
  void analyze(const std::string& sub, std::vector<std::string> args) {
    tool = "sst-analyze " + sub + ": error: ";
    argv = {bin("sst-analyze"), sub};
    argv.insert(argv.end(), args.begin(), args.end());
  }
  std::string damaged_checkpoint() {
    const std::string copy = dir / "damaged.pt";
    fs::copy_file(checkpoint, copy);
    corrupt_middle(copy);
    return copy;
  }
};

struct Row {
  const char* name;
  int exit_code;
  std::function<void(Scene&)> prepare;
};

const std::vector<Row> kRows = {
    {"EvaluateMissingCheckpoint", 1,
     [](Scene& s) {
       s.analyze("evaluate", {"--checkpoint", s.dir / "nope.pt", "--data", tiny_dataset(), "--output", s.output});
       s.expect = {"checkpoint " + (s.dir / "nope.pt") + " does not exist"};
     }},
    {"EvaluateTextFileAsCheckpoint", 1,
     [](Scene& s) {
       write_text(s.dir / "notes.pt", "not a checkpoint");
       s.analyze("evaluate", {"--checkpoint", s.dir / "notes.pt", "--data", tiny_dataset(), "--output", s.output});
       s.expect = {"checkpoint " + (s.dir / "notes.pt") + " cannot be read"};
     }},
    {"EvaluateDamagedCheckpoint", 1,
     [](Scene& s) {
       const std::string bad = s.damaged_checkpoint();
       s.analyze("evaluate", {"--checkpoint", bad, "--data", tiny_dataset(), "--output", s.output});
       s.expect = {"checkpoint " + bad};
     }},
    {"EvaluateOnDataTokenizedDifferently", 1,
     [](Scene& s) {  // the same check as sst-train's resume (dataset/data_identity.h), the same line
       s.analyze("evaluate", {"--checkpoint", s.checkpoint, "--data", tiny_dataset_bpe(), "--output", s.output});
       s.expect = {tiny_dataset_bpe() + " was tokenized differently from what checkpoint " + s.checkpoint +
                       " was trained on (data: bpe tokenizer sha256 ",
                   "checkpoint: unigram tokenizer sha256 ", "or evaluate with --tsv"};
     }},
    {"EvaluateDataIsNotHdf5", 1,
     [](Scene& s) {
       write_text(s.dir / "data.h5", "sentence\tlabel\n");
       s.analyze("evaluate", {"--checkpoint", s.checkpoint, "--data", s.dir / "data.h5", "--output", s.output});
       s.expect = {s.dir / "data.h5", "not an HDF5 file"};
     }},
    {"EvaluateDataWithATokenBeyondTheVocabulary", 1,
     [](Scene& s) {
       const std::string data = s.dir / "data.h5";
       fs::copy_file(tiny_dataset(), data);
       {
         H5::H5File f(data, H5F_ACC_RDWR);
         H5::DataSet ds = f.openDataSet("/splits/dev/tokens");
         H5::DataSpace space = ds.getSpace();
         hsize_t one = 1, at = 2;
         space.selectHyperslab(H5S_SELECT_SET, &one, &at);
         const int32_t id = 1 << 20;
         ds.write(&id, H5::PredType::NATIVE_INT32, H5::DataSpace(1, &one), space);
       }
       s.analyze("evaluate", {"--checkpoint", s.checkpoint, "--data", data, "--output", s.output});
       s.expect = {data + ": split 'dev': example 0 has token id 1048576"};
     }},
    {"EvaluateNoSuchSplit", 2,  // the option table refuses it: a usage error naming the option and the value
     [](Scene& s) {
       s.analyze("evaluate",
                 {"--checkpoint", s.checkpoint, "--data", tiny_dataset(), "--split", "nosuch", "--output", s.output});
       s.expect = {"'nosuch'", "--split", "must be dev or test"};
     }},
    {"EvaluateOutputUnderARegularFile", 1,
     [](Scene& s) {
       write_text(s.dir / "afile", "x");
       s.analyze("evaluate", {"--checkpoint", s.checkpoint, "--data", tiny_dataset(), "--output", s.dir / "afile/o"});
       s.expect = {"cannot create output directory " + (s.dir / "afile/o")};
     }},
    {"EvaluateWithoutData", 2,
     [](Scene& s) {
       s.analyze("evaluate", {"--checkpoint", s.checkpoint, "--output", s.output});
       s.expect = {"give exactly one of --data and --tsv"};
     }},
    {"PredictInvalidUtf8Argument", 1,
     [](Scene& s) {
       s.analyze("predict", {"--checkpoint", s.checkpoint, "fine", "bad \xC3\x28 byte"});
       s.expect = {"sentence 2 is not valid UTF-8 (byte 5)"};
     }},
    {"PredictInvalidUtf8OnStdin", 1,
     [](Scene& s) {
       s.tool = "sst-analyze predict: error: ";
       s.shell = "printf 'fine\\nbad \\377 byte\\n' | " + sh_quote(bin("sst-analyze")) + " predict --checkpoint " +
                 sh_quote(s.checkpoint);
       s.expect = {"sentence 2 is not valid UTF-8 (byte 5)"};
     }},
    {"PredictEmptySentence", 2,
     [](Scene& s) {
       s.analyze("predict", {"--checkpoint", s.checkpoint, "   "});
       s.expect = {"sentence 1 is empty"};
     }},
    {"PredictUnknownFormat", 2,
     [](Scene& s) {
       s.analyze("predict", {"--checkpoint", s.checkpoint, "--format", "xml", "hi"});
       s.expect = {"'xml') for option '--format' is invalid: must be tsv or jsonl"};
     }},
    {"PredictDamagedCheckpoint", 1,
     [](Scene& s) {
       const std::string bad = s.damaged_checkpoint();
       s.analyze("predict", {"--checkpoint", bad, "a fine film"});
       s.expect = {"checkpoint " + bad};
     }},
    {"AttentionWithoutSentence", 2,
     [](Scene& s) {
       s.analyze("attention", {"--checkpoint", s.checkpoint, "--output", s.output});
       s.expect = {"give at least one SENTENCE"};
     }},
    {"CurvesOfAMissingRun", 1,
     [](Scene& s) {
       s.analyze("curves", {s.dir / "norun", "--output", s.output});
       s.expect = {s.dir / "norun", "no such run directory"};
     }},
    {"ReportOfAMissingDirectory", 1,
     [](Scene& s) {
       s.analyze("report", {s.dir / "nothing", "--output", s.output});
       s.expect = {s.dir / "nothing", "not a directory"};
     }},
    {"AblationsWithAnUnknownBaseline", 1,
     [](Scene& s) {
       s.analyze("ablations", {tiny_run(), "--baseline", "nosuch", "--output", s.output});
       s.expect = {"--baseline 'nosuch'"};
     }},
    {"BranchesOfASweepWithoutBranches", 1,
     [](Scene& s) {
       s.analyze("branches", {tiny_run(), "--reference", tiny_run(), "--output", s.output});
       s.expect = {"no cooldown branch among the 1 runs"};
     }},
    {"BranchesWithoutReference", 2,
     [](Scene& s) {
       s.analyze("branches", {tiny_run(), "--output", s.output});
       s.expect = {"--reference"};
     }},
    {"EvaluateOutputWouldReplaceItsTsv", 1,
     [](Scene& s) {
       // The labeled TSV it reads is where its own predictions.tsv would go.
       fs::copy_file(tiny_tsv_dir() + "/dev.tsv", s.output + "/predictions.tsv");
       s.analyze("evaluate",
                 {"--checkpoint", s.checkpoint, "--tsv", s.output + "/predictions.tsv", "--output", s.output});
       s.expect = {"output " + s.output + "/predictions.tsv is the input " + s.output + "/predictions.tsv",
                   "refusing to replace an input with an output"};
     }},
    {"EvaluateOnAFullDisk", 1,
     [](Scene& s) {
       // 40 KB left: the data and script fit, the two figures (~70 KB) do not. Issue 26: a cut
       // reliability.svg was left under its final name.
       s.disk = std::make_unique<Tmpfs>(512);
       if (!s.disk->available()) GTEST_SKIP() << s.disk->why();
       s.output = s.disk->path() + "/out";
       write_text(s.output + "/evaluation.json", "{\"previous\": true}\n");
       write_text(s.output + "/reliability.svg", "<svg>previous</svg>\n");
       s.disk->leave_free_kb(40);
       s.analyze("evaluate", {"--checkpoint", s.checkpoint, "--data", tiny_dataset(), "--output", s.output});
       s.expect = {s.output + "/reliability."};
     }},
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class HostileAnalyze : public ::testing::TestWithParam<Row> {};

TEST_P(HostileAnalyze, RefusedWithOneLineAndNothingChanged) {
  Scene s;
  write_text(s.output + "/evaluation.json", "{\"previous\": true}\n");
  GetParam().prepare(s);
  if (HasFatalFailure() || IsSkipped()) return;
  const Snapshot before = Snapshot::of(s.dir.path()), output_before = Snapshot::of(s.output);
  const Outcome r = s.shell.empty() ? run_with_deadline(s.argv, 120) : run_shell_with_deadline(s.shell, 120);
  expect_refused(r, GetParam().exit_code, s.tool, s.expect);
  EXPECT_EQ(r.out, "") << "no partial table";
  EXPECT_EQ(before.difference_to(Snapshot::of(s.dir.path())), "");
  EXPECT_EQ(output_before.difference_to(Snapshot::of(s.output)), "") << "in " << s.output;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostileAnalyze, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

}  // namespace
