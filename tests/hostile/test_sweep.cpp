// The hostile-input catalogue of sst-sweep and launch/sweep.sh (see hostile.h for what every row
// asserts): bad sweep files, a sweep directory made from another sweep or other data, missing
// manifests, usage errors, and points whose options or runs fail (the driver shows sst-train's own
// error line, not mpirun's report). The parser's full list of bad sweep files is a unit table in
// tests/sweep/test_sweep.cpp (SweepFile.BadFilesGiveOneClearError); here each kind goes through the binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "hostile.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace sst::test;

namespace {

// One point: model xs, fraction 1/2, seed 1, one rank, a 2-step budget.
const char* kSweep =
    "[sweep]\nname = h\nbase_config = tiny.ini\nranks = 1\nfractions = 1/2\nseeds = 1\n"
    "[models]\nnames = xs\n[model.xs]\nd_model = 16\nlayers = 1\nheads = 2\nff_dim = 32\n"
    "[budget]\nmax_steps = 2\neval_every = 1\n";

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  if (pos == std::string::npos) throw std::runtime_error("test bug: '" + from + "' not in the sweep text");
  return text.replace(pos, from.size(), to);
}

struct Scene {
  TempDir dir{"hostile-sweep"};
  std::string sweep_file = dir / "sweep.ini";
  std::string sweep_dir = dir / "sd";
  std::vector<std::string> argv;    // the command
  std::vector<std::string> expect;  // parts of the error line
  std::string tool = "sst-sweep";
  void sst_sweep(std::vector<std::string> args) {
    argv = {bin("sst-sweep")};
    argv.insert(argv.end(), args.begin(), args.end());
  }
  void sweep_sh(std::vector<std::string> args) {
    tool = "sweep.sh";
    argv = {"bash",        sst::test::source_dir() + "/launch/sweep.sh", sweep_file, "--sweep-dir", sweep_dir, "--data",
            tiny_dataset()};
    argv.insert(argv.end(), args.begin(), args.end());
  }
  // A sweep directory expanded from the sweep file as it is now.
  void expanded() {
    const Outcome r = run_with_deadline({bin("sst-sweep"), "expand", sweep_file, "--sweep-dir", sweep_dir}, 30);
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }
};

struct Row {
  const char* name;
  int exit_code;
  std::function<void(Scene&)> prepare;
};

const std::vector<Row> kRows = {
    {"SweepFileMissing", 1,
     [](Scene& s) {
       s.sst_sweep({"expand", s.dir / "nope.ini"});
       s.expect = {"cannot read sweep file " + (s.dir / "nope.ini")};
     }},
    {"SweepFileIsADirectory", 1,
     [](Scene& s) {
       s.sst_sweep({"expand", s.dir.path()});
       s.expect = {"cannot read sweep file " + s.dir.path() + ": is a directory"};
     }},
    {"UnknownKeyInSweepFile", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "ranks = 1", "rank = 1"));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir});
       s.expect = {"sweep file " + s.sweep_file, "unknown key 'sweep.rank'"};
     }},
    {"FractionOutOfRange", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "fractions = 1/2", "fractions = 1.5"));
       s.sst_sweep({"expand", s.sweep_file});
       s.expect = {"sweep file " + s.sweep_file + ":5: sweep.fractions = '1.5' must be a number in (0, 1]"};
     }},
    {"UnknownModelName", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "names = xs", "names = xs, m"));
       s.sst_sweep({"expand", s.sweep_file});
       s.expect = {"unknown model name 'm'"};
     }},
    {"BaseConfigMissing", 1,
     [](Scene& s) {
       fs::remove(s.dir / "tiny.ini");
       s.sst_sweep({"expand", s.sweep_file});
       s.expect = {"tiny.ini not found"};
     }},
    {"IndexOutsideTheGrid", 1,
     [](Scene& s) {
       s.sst_sweep({"expand", s.sweep_file, "--index", "5"});
       s.expect = {"outside the grid"};
     }},
    {"SweepFileChangedSinceExpanded", 1,
     [](Scene& s) {
       s.expanded();
       write_text(s.sweep_file, with(kSweep, "seeds = 1", "seeds = 2"));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir});
       s.expect = {"holds a sweep made from a different sweep file content", "--force"};
     }},
    {"OtherDataIntoTheSameSweepDir", 1,
     [](Scene& s) {
       const Outcome r = run_with_deadline(
           {bin("sst-sweep"), "expand", s.sweep_file, "--sweep-dir", s.sweep_dir, "--data", "/x/d.h5"}, 30);
       ASSERT_EQ(r.exit_code, 0) << r.all();
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir, "--data", "/y/e.h5"});
       s.expect = {"was expanded with data '/x/d.h5'"};
     }},
    {"StatusWithoutManifest", 1,
     [](Scene& s) {
       s.sst_sweep({"status", s.dir.path()});
       s.expect = {"no " + s.dir.path() + "/sweep_manifest.json"};
     }},
    {"AggregateWithoutManifest", 1,
     [](Scene& s) {
       s.sst_sweep({"aggregate", s.dir / "nowhere"});
       s.expect = {"no " + (s.dir / "nowhere") + "/sweep_manifest.json"};
     }},
    {"UnknownCommand", 2,
     [](Scene& s) {
       s.sst_sweep({"frobnicate"});
       s.expect = {"frobnicate"};
     }},
    {"ExpandWithoutSweepFile", 2,
     [](Scene& s) {
       s.sst_sweep({"expand"});
       s.expect = {"expected exactly one"};
     }},
    {"UnknownField", 2,
     [](Scene& s) {
       s.sst_sweep({"expand", s.sweep_file, "--index", "0", "--field", "bogus"});
       s.expect = {"'bogus') for option '--field' is invalid: must be args or run or run_dir"};
     }},
    {"DriverCheckShowsTheRunsOwnError", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "heads = 2", "heads = 3"));
       s.sweep_sh({});
       s.expect = {"point 0 (xs_f0.5_s1): sst-train: error: config: model.heads = 3 must divide model.d_model = 16"};
     }},
    {"DriverShowsTheErrorOfAFailedRun", 1,
     [](Scene& s) {
       write_text(s.dir / "tiny.ini", tiny_ini_text() + "[data]\npath = missing.h5\n");
       s.sweep_sh({"--no-check"});
       s.argv.erase(s.argv.begin() + 5, s.argv.begin() + 7);  // no --data: the base config's missing file
       s.expect = {"[xs_f0.5_s1] FAILED (exit 1): sst-train: error: dataset file missing.h5 does not exist"};
     }},
    // ---- outputs never replace inputs ----
    {"AggregateOverTheManifest", 1,
     [](Scene& s) {
       s.expanded();
       s.sst_sweep({"aggregate", s.sweep_dir, "--output", s.sweep_dir + "/sweep_manifest.json"});
       s.expect = {"--output " + s.sweep_dir + "/sweep_manifest.json is the input " + s.sweep_dir +
                   "/sweep_manifest.json (the same file)"};
     }},
    {"ExpandOverItsOwnSweepFile", 1,
     [](Scene& s) {
       // A sweep file named like the manifest, in the sweep directory itself.
       fs::create_directories(s.sweep_dir);
       fs::copy_file(s.dir / "tiny.ini", s.sweep_dir + "/tiny.ini");
       write_text(s.sweep_dir + "/sweep_manifest.json", kSweep);
       s.sst_sweep({"expand", s.sweep_dir + "/sweep_manifest.json", "--sweep-dir", s.sweep_dir, "--data",
                    tiny_dataset(), "--force"});
       s.expect = {"the manifest " + s.sweep_dir + "/sweep_manifest.json is the input",
                   "refusing to replace an input with an output"};
     }},
    // ---- names and paths that cannot inject (issue 26): expand prints one per line ----
    {"NewlineInSweepDir", 1,
     [](Scene& s) {
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir + "\n--train.lr=0.5"});
       s.expect = {"the sweep directory '" + s.sweep_dir +
                   "\\n--train.lr=0.5' contains a control character (byte 0x0a"};
     }},
    {"NewlineInSweepDirThroughTheDriver", 1,
     [](Scene& s) {
       s.sweep_sh({"--no-check"});
       s.argv[4] = s.sweep_dir + "\n--train.lr=0.5";
       s.tool = "sst-sweep";  // the driver stops at expand's one line
       s.expect = {"contains a control character (byte 0x0a"};
     }},
    {"EscapeSequenceInSweepName", 1,
     [](Scene& s) {
       // The default sweep directory and every run name come from [sweep] name: refused, shown escaped.
       write_text(s.sweep_file, with(kSweep, "name = h", "name = h\x1b[2J\x1b]0;owned\x07"));
       s.sst_sweep({"expand", s.sweep_file, "--data", tiny_dataset()});
       s.expect = {"sweep.name 'h\\x1b[2J\\x1b]0;owned\\x07' must be letters, digits"};
     }},
    {"EscapeInBaseConfigPath", 1,
     [](Scene& s) {
       // The file exists: only the control character in its name is wrong (it reaches every point's --config).
       write_text(s.dir / "ti\x1bny.ini", tiny_ini_text());
       write_text(s.sweep_file, with(kSweep, "base_config = tiny.ini", "base_config = ti\x1bny.ini"));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir, "--data", tiny_dataset()});
       s.expect = {"point 0's argument '" + (s.dir / "ti\\x1bny.ini") + "' contains a control character (byte 0x1b"};
     }},
    {"TabInDataPath", 1,
     [](Scene& s) {
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir, "--data", s.dir / "d\t.h5"});
       s.expect = {"d\\t.h5"};
     }},
    // ---- messages safe on a terminal: escaped, bounded, a BOM shown ----
    {"NulInSweepFileValue", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "seeds = 1", std::string("seeds = 1\0after the nul", 25)));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir});
       s.expect = {"sweep file " + s.sweep_file + ":6: holds a NUL byte"};  // the NUL neither cuts the line nor passes
     }},
    {"EscapeInSweepFileValue", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "ranks = 1", "ranks = \x1b[31mred"));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir});
       s.expect = {"\\x1b[31mred"};
     }},
    {"MegabyteValueGivesABoundedLine", 1,
     [](Scene& s) {
       write_text(s.sweep_file, with(kSweep, "fractions = 1/2", "fractions = 1/" + std::string(1 << 20, 'x')));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir});
       s.expect = {"sweep.fractions = '1/xxxxxxxx", "xxxxxxxx ... (", " bytes left out) ... ",
                   "(0, 1] (or a ratio such as 1/4)"};
     }},
    {"ByteOrderMarkIsShown", 1,
     [](Scene& s) {
       write_text(s.sweep_file, "\xEF\xBB\xBF" + std::string(kSweep));
       s.sst_sweep({"expand", s.sweep_file, "--sweep-dir", s.sweep_dir});
       s.expect = {"<BOM>[sweep]"};
     }},
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class HostileSweep : public ::testing::TestWithParam<Row> {};

TEST_P(HostileSweep, RefusedWithOneLineAndNothingChanged) {
  Scene s;
  write_text(s.dir / "tiny.ini", tiny_ini_text());
  write_text(s.sweep_file, kSweep);
  GetParam().prepare(s);
  if (HasFatalFailure()) return;
  const bool driver = s.tool == "sweep.sh";
  // The driver keeps its sweep directory (manifest, logs, a failed point's marker): what it must not
  // leave behind is anything else, above all a run directory from a point that was refused up front.
  const std::string watched = driver ? s.dir.path() + "/tiny.ini" : s.dir.path();
  const Snapshot before = Snapshot::of(watched);
  const Outcome r = run_with_deadline(s.argv, 120, {"SST_BIN_DIR=" + sst::test::bin_dir()});
  expect_refused(r, GetParam().exit_code, s.tool, s.expect, /*mpi=*/driver);
  // Every error line of sst-sweep is safe on a terminal: no control character, bounded in length.
  if (!driver) {
    for (char c : r.err) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "raw byte " << int(c);
    EXPECT_LT(r.err.size(), 700u) << "an error line is bounded";
  }
  EXPECT_EQ(before.difference_to(Snapshot::of(watched)), "");
  if (driver && std::string(GetParam().name) == "DriverCheckShowsTheRunsOwnError")
    EXPECT_FALSE(fs::exists(s.sweep_dir + "/runs")) << "a point refused up front starts no run";
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostileSweep, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

}  // namespace
