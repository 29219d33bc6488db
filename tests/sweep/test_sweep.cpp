// sst-sweep: expansion of sweep files (count, order, run names, sst-train arguments), one clear error per
// bad sweep file, the manifest, run states and sweep.csv aggregation, and the CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "sweep/sweep.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using sst::test::TempDir;
using sst::test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

const char* kBase = "[model]\nd_model = 64\n[train]\nlr = 1e-3\n";

const char* kGood = R"(# a comment
[sweep]
name = t
base_config = base.ini
ranks = 2
fractions = 1/4, 0.5, 1   # trailing comment
seeds = 1, 2

[models]
names = xs, s

[model.xs]
d_model = 32
layers = 1
heads = 2
ff_dim = 64

[model.s]
d_model = 48
heads = 4
train.lr = 5e-4

[budget]
max_steps = 40
eval_every = 10
patience = 3

[overrides]
train.lr = 2e-3
model.max_len = 48
)";

// Writes base.ini and sweep.ini (kGood with `replace` applied) into dir; returns the sweep file.
std::string write_sweep(const TempDir& dir, const std::string& text = kGood) {
  write_text(dir / "base.ini", kBase);
  write_text(dir / "sweep.ini", text);
  return dir / "sweep.ini";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  if (pos == std::string::npos) throw std::runtime_error("test bug: '" + from + "' not in the sweep text");
  return text.replace(pos, from.size(), to);
}

std::string error_of(const std::string& text) {
  TempDir dir("sweep-err");
  try {
    sst::sweep::parse_sweep_file(write_sweep(dir, text));
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

bool has_arg(const std::vector<std::string>& args, const std::string& a) {
  return std::find(args.begin(), args.end(), a) != args.end();
}

}  // namespace

TEST(SweepExpand, CountOrderAndNames) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  auto points = sst::sweep::expand(spec, dir / "out");
  ASSERT_EQ(points.size(), 2u * 3u * 2u);
  std::vector<std::string> names;
  for (const auto& p : points) names.push_back(p.run);
  EXPECT_EQ(names.front(), "xs_f0.25_s1");
  EXPECT_EQ(names[1], "xs_f0.25_s2");  // seeds fastest, then fractions, then models
  EXPECT_EQ(names[2], "xs_f0.5_s1");
  EXPECT_EQ(names[5], "xs_f1_s2");
  EXPECT_EQ(names[6], "s_f0.25_s1");
  EXPECT_EQ(names.back(), "s_f1_s2");
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(points[i].index, i);
    EXPECT_EQ(points[i].ranks, 2);
    EXPECT_EQ(points[i].run_dir, "runs/" + points[i].run);
  }
}

TEST(SweepExpand, ArgumentsCarryEveryLayerOnce) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  auto points = sst::sweep::expand(spec, dir / "out");
  const auto& xs = points[0].args;
  EXPECT_EQ(xs[0], "--config");
  EXPECT_EQ(xs[1], fs::canonical(dir / "base.ini").string());  // relative to the sweep file, made absolute
  EXPECT_TRUE(has_arg(xs, "--out-dir"));
  EXPECT_TRUE(has_arg(xs, fs::path(dir / "out").lexically_normal().string() + "/runs/xs_f0.25_s1"));
  EXPECT_TRUE(has_arg(xs, "auto"));
  for (const char* a : {"--output.run_name=xs_f0.25_s1", "--data.fraction=0.25", "--train.seed=1",
                        "--train.max_steps=40", "--train.eval_every=10", "--train.patience=3", "--model.max_len=48",
                        "--model.d_model=32", "--model.layers=1", "--train.lr=2e-3"})
    EXPECT_TRUE(has_arg(xs, a)) << a;
  // The model section wins over [overrides]; each key appears once (sst-train rejects repeats).
  const auto& s = points[6].args;
  EXPECT_TRUE(has_arg(s, "--train.lr=5e-4"));
  EXPECT_FALSE(has_arg(s, "--train.lr=2e-3"));
  int lr = 0;
  for (const auto& a : s) lr += a.rfind("--train.lr=", 0) == 0;
  EXPECT_EQ(lr, 1);
  EXPECT_FALSE(has_arg(s, "--model.layers=1"));
}

TEST(SweepExpand, EpochBudgetAndDataOverride) {
  TempDir dir("sweep");
  std::string text = replaced(kGood, "max_steps = 40", "epochs = 2.5");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, text), dir / "d.h5");
  auto p = sst::sweep::expand(spec, dir / "out").front();
  EXPECT_TRUE(has_arg(p.args, "--train.max_steps=0"));
  EXPECT_TRUE(has_arg(p.args, "--train.epochs=2.5"));
  EXPECT_TRUE(has_arg(p.args, "--data"));
  EXPECT_TRUE(has_arg(p.args, fs::path(dir / "d.h5").lexically_normal().string()));
}

TEST(SweepExpand, HashFollowsTheContent) {
  TempDir dir("sweep");
  auto a = sst::sweep::parse_sweep_file(write_sweep(dir));
  auto b = sst::sweep::parse_sweep_file(write_sweep(dir, replaced(kGood, "seeds = 1, 2", "seeds = 1, 3")));
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_NE(a.hash, b.hash);
}

TEST(SweepFile, BadFilesGiveOneClearError) {
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases{
      {"ranks = 2", "rank = 2", "unknown key 'sweep.rank'"},
      {"patience = 3", "patiense = 3", "unknown key 'budget.patiense'"},
      {"[overrides]", "[extra]", "unknown key 'extra.train.lr'"},
      {"train.lr = 2e-3", "lr = 2e-3", "unknown key 'overrides.lr'"},
      {"train.lr = 2e-3", "bogus.lr = 2e-3", "unknown key 'overrides.bogus.lr'"},
      {"fractions = 1/4, 0.5, 1", "fractions = ", "sweep.fractions is empty"},
      {"seeds = 1, 2", "seeds =", "sweep.seeds is empty"},
      {"names = xs, s", "names = ", "models.names is empty"},
      {"fractions = 1/4, 0.5, 1", "fractions = 0.5, 1.5", "sweep.fractions: '1.5' must be a number in (0, 1]"},
      {"fractions = 1/4, 0.5, 1", "fractions = 0, 1", "sweep.fractions: '0' must be a number in (0, 1]"},
      {"fractions = 1/4, 0.5, 1", "fractions = -0.5", "sweep.fractions = '-0.5' must be a number in (0, 1]"},
      {"fractions = 1/4, 0.5, 1", "fractions = half", "sweep.fractions = 'half' must be a number"},
      {"fractions = 1/4, 0.5, 1", "fractions = 0.5, 1/2", "1/2 is listed twice"},
      {"seeds = 1, 2", "seeds = 1, x", "sweep.seeds: 'x'"},
      {"names = xs, s", "names = xs, s, m", "unknown model name 'm'"},
      {"names = xs, s", "names = xs", "section [model.s] is not listed"},
      {"names = xs, s", "names = xs, xs, s", "'xs' is listed twice"},
      {"base_config = base.ini", "base_config = nope.ini", "nope.ini not found"},
      {"base_config = base.ini", "", "sweep.base_config is required"},
      {"max_steps = 40", "", "needs max_steps > 0, epochs"},
      {"max_steps = 40", "max_steps = many", "budget.max_steps = 'many'"},
      {"eval_every = 10", "eval_every = 0", "budget.eval_every = '0' must be an integer >= 1"},
      {"ranks = 2", "ranks = 0", "sweep.ranks = '0'"},
      {"model.max_len = 48", "data.fraction = 0.5", "'overrides.data.fraction' cannot be overridden"},
      {"model.max_len = 48", "train.seed = 3", "'overrides.train.seed' cannot be overridden"},
      {"model.max_len = 48", "train.threads = 3", "'overrides.train.threads' cannot be overridden"},
      {"ff_dim = 64", "ff_dim = 64\nff_dim = 65", "key 'model.xs.ff_dim' is given twice"},
      {"name = t", "name = a b", "sweep.name 'a b'"},
      {"[model.s]", "[model.s.2]", "in [model.s] (model names are letters, digits"},
      {"d_model = 48\nheads = 4\ntrain.lr = 5e-4\n", "", "no [model.s] section (or it is empty"},
  };
  for (const auto& c : cases) {
    const std::string text = c.to.empty() ? replaced(kGood, c.from + "\n", "") : replaced(kGood, c.from, c.to);
    const std::string err = error_of(text);
    EXPECT_THAT(err, HasSubstr(c.expect)) << "case: " << c.from << " -> " << c.to;
    EXPECT_THAT(err, HasSubstr("sweep file ")) << "case: " << c.from << " -> " << c.to;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
}

// A key's own error names the file and the line it is on, in one line: an unknown key, a bad number, a number
// out of range, a value that is not true or false, a key given twice, a malformed line.
TEST(SweepFile, AKeysErrorNamesFileAndLine) {
  struct Case {
    std::string from, to, expect;
    int line;  // of kGood after the replacement
  };
  const std::vector<Case> cases{
      {"patience = 3", "patiense = 3", "unknown key 'budget.patiense' (known in [budget]: max_steps, epochs,", 26},
      {"ranks = 2", "ranks = two", "sweep.ranks = 'two' must be an integer in [1, 100000]", 5},
      {"max_steps = 40", "max_steps = 4e1", "budget.max_steps = '4e1' must be an integer >= 0", 24},
      {"seeds = 1, 2", "seeds = 1, -2", "sweep.seeds: '-2' must be an integer >= 0", 7},
      {"eval_every = 10", "eval_every = 10\npatience = 2", "key 'budget.patience' is given twice", 27},
      {"patience = 3", "patience = 3\ncheckpoint_every = 1e", "budget.checkpoint_every = '1e' must be an integer", 27},
      {"ff_dim = 64", "ff_dim = 64\nbudgets = 1e12\nepochs_scale = x",
       "model.xs.epochs_scale = 'x' must be a number > 0", 18},
      {"model.max_len = 48", "model.max_len = 48\nno equals sign", "invalid line", 31},
  };
  for (const auto& c : cases) {
    TempDir dir("sweep-line");
    const std::string path = write_sweep(dir, replaced(kGood, c.from, c.to));
    std::string err;
    try {
      sst::sweep::parse_sweep_file(path);
    } catch (const sst::UserError& e) {
      err = e.what();
    }
    EXPECT_THAT(err, HasSubstr("sweep file " + path + ":" + std::to_string(c.line) + ": ")) << c.to;
    EXPECT_THAT(err, HasSubstr(c.expect)) << c.to;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
}

TEST(SweepFile, MissingFile) { EXPECT_THROW(sst::sweep::parse_sweep_file("/nonexistent/sweep.ini"), sst::UserError); }

TEST(SweepFile, ShippedSweepsParse) {
  for (const char* name : {"ci_tiny.ini", "example.ini"}) {
    auto spec = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/" + name);
    EXPECT_GT(sst::sweep::expand(spec, "x").size(), 0u) << name;
  }
  // The ablation study behind configs/sst2_best.ini (launch/ablations.sh): 3 seeds per model.
  for (const char* name : {"sst2_best.ini", "vocab_word8k.ini", "tokenizer_unigram8k.ini"}) {
    auto spec = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/ablations/" + name);
    EXPECT_EQ(sst::sweep::expand(spec, "x").size(), 3 * spec.models.size()) << name;
  }
  auto ci = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/ci_tiny.ini");
  EXPECT_EQ(sst::sweep::expand(ci, "x").size(), 4u);
  auto ex = sst::sweep::parse_sweep_file(sst::test::source_dir() + "/configs/sweeps/example.ini");
  EXPECT_THAT(ex.fractions.front(), 1.0 / 64);
  EXPECT_EQ(ex.fractions.back(), 1.0);
}

TEST(SweepNumbers, ShortestRoundTrip) {
  EXPECT_EQ(sst::sweep::format_number(1.0 / 64), "0.015625");
  EXPECT_EQ(sst::sweep::format_number(0.1), "0.1");
  EXPECT_EQ(sst::sweep::format_number(1), "1");
  EXPECT_EQ(sst::sweep::format_number(1.0 / 3), "0.3333333333333333");
}

TEST(SweepManifest, WrittenAndGuardedByTheHash) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  const std::string sd = dir / "sd";
  auto points = sst::sweep::expand(spec, sd);
  sst::sweep::write_manifest(spec, sd, points, false);
  json m = sst::sweep::read_manifest(sd);
  EXPECT_EQ(m["sweep_hash"], spec.hash);
  EXPECT_EQ(m["count"], 12);
  EXPECT_EQ(m["points"][3]["run"], "xs_f0.5_s2");
  EXPECT_EQ(m["points"][3]["run_dir"], "runs/xs_f0.5_s2");
  sst::sweep::write_manifest(spec, sd, points, false);  // same content: fine
  auto changed = sst::sweep::parse_sweep_file(write_sweep(dir, replaced(kGood, "seeds = 1, 2", "seeds = 1")));
  auto p2 = sst::sweep::expand(changed, sd);
  try {
    sst::sweep::write_manifest(changed, sd, p2, false);
    FAIL() << "a different sweep file into the same dir must be refused";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("different sweep file"));
  }
  sst::sweep::write_manifest(changed, sd, p2, true);
  EXPECT_EQ(sst::sweep::read_manifest(sd)["count"], 6);
}

namespace {

// A fake finished run: the summary.json fields sst-train writes.
void fake_summary(const std::string& run_dir, const std::string& status, double loss, double wall) {
  fs::create_directories(run_dir);
  json s = {
      {"run_name", fs::path(run_dir).filename().string()},
      {"status", status},
      {"steps", 40},
      {"epochs", 1.5},
      {"params", 100000},
      {"non_embedding_params", 20000},
      {"data_fraction", 0.25},
      {"train_tokens", 123456},
      {"tokens_processed", 200000},
      {"flops", 2.4e10},
      {"best_dev_loss", loss},
      {"best_dev_acc", 0.75},
      {"wall_s", wall},
      {"world_size", 2},
      {"seed", 1},
      {"global_batch", 32},
      {"model", {{"d_model", 64}, {"layers", 2}, {"heads", 4}, {"ff_dim", 256}, {"max_len", 48}, {"dropout", 0.1}}}};
  write_text(run_dir + "/summary.json", s.dump(2));
}

std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> v;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      v.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  v.push_back(cur);
  return v;
}

}  // namespace

TEST(SweepAggregate, ColumnsRowsAndStates) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  const std::string sd = dir / "sd";
  auto points = sst::sweep::expand(spec, sd);
  sst::sweep::write_manifest(spec, sd, points, false);
  fake_summary(sd + "/runs/xs_f0.25_s1", "completed", 0.5, 10);
  fake_summary(sd + "/runs/xs_f0.25_s2", "early_stopped", 0.625, 30);
  // The hyperparameters: config.ini's over summary.json's, also for a run that has not finished.
  const std::string ini =
      "[model]\nd_model = 96\nlayers = 3\nheads = 6\nff_dim = 384\nmax_len = 64\ndropout = 0\n"
      "[train]\nglobal_batch = 16\nlr = 0.002\nwarmup_steps = 5\nweight_decay = 0.01\n";
  write_text(sd + "/runs/xs_f0.25_s2/config.ini", ini);
  fs::create_directories(sd + "/runs/xs_f0.5_s1");
  write_text(sd + "/runs/xs_f0.5_s1/config.ini", ini);
  // running: a live launcher marker (this process); failed: a marker with the exit code;
  // interrupted: a step checkpoint but no summary; stale marker (dead pid on this host) -> not running.
  fs::create_directories(sd + "/runs/xs_f0.5_s1");
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string h(host);
  h = h.substr(0, h.find('.'));
  write_text(sd + "/runs/xs_f0.5_s1/.sweep_running", h + " " + std::to_string(getpid()) + "\n");
  fs::create_directories(sd + "/runs/xs_f0.5_s2");
  write_text(sd + "/runs/xs_f0.5_s2/.sweep_failed", "1\n");
  fs::create_directories(sd + "/runs/xs_f1_s1/checkpoints");
  write_text(sd + "/runs/xs_f1_s1/checkpoints/step_00000010.pt", "x");
  write_text(sd + "/runs/xs_f1_s1/.sweep_running", h + " 999999999\n");

  const std::string path = sst::sweep::aggregate(sd, "", false);
  EXPECT_EQ(path, sd + "/sweep.csv");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line,
            "run,model,params,non_embedding_params,data_fraction,train_tokens,tokens_processed,flops,best_dev_loss,"
            "best_dev_acc,epochs,wall_s,world_size,status,seed,steps,tokens_at_best,flops_at_best,lr_at_best,schedule,"
            "budget,budget_tokens,budget_flops,parent,branch_step,flops_spent,d_model,layers,heads,ff_dim,max_len,"
            "dropout,global_batch,lr,warmup_steps,weight_decay");
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(split_line(line));
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_THAT(rows[0], ElementsAre("xs_f0.25_s1", "xs", "100000", "20000", "0.25", "123456", "200000", "24000000000",
                                   "0.5", "0.75", "1.5", "10", "2", "completed", "1", "40", "0", "0", "", "", "", "0",
                                   "0", "", "-1", "0", "64", "2", "4", "256", "48", "0.1", "32", "", "", ""));
  EXPECT_EQ(rows[1][13], "early_stopped");
  const std::vector<std::string> hyper{"96", "3", "6", "384", "64", "0", "16", "0.002", "5", "0.01"};
  EXPECT_EQ(std::vector<std::string>(rows[1].begin() + 26, rows[1].end()), hyper);
  EXPECT_EQ(std::vector<std::string>(rows[2].begin() + 26, rows[2].end()), hyper);
  EXPECT_EQ(rows[2][13], "running");
  EXPECT_EQ(rows[3][13], "failed");
  EXPECT_EQ(rows[4][13], "interrupted");
  EXPECT_EQ(rows[5][13], "missing");
  EXPECT_EQ(rows[5][0], "xs_f1_s2");
  EXPECT_EQ(rows[5][4], "1");  // fraction and seed from the manifest when there is no summary
  EXPECT_EQ(rows[5][14], "2");
  EXPECT_EQ(rows[5][2], "");  // no numbers for unfinished points
  for (const auto& r : rows) EXPECT_EQ(r.size(), 36u);

  sst::sweep::aggregate(sd, dir / "fin.csv", true);
  std::ifstream fin(dir / "fin.csv");
  int n = 0;
  while (std::getline(fin, line)) ++n;
  EXPECT_EQ(n, 3);  // header + 2 finished

  auto states = sst::sweep::run_states(sd, sst::sweep::read_manifest(sd));
  auto p = sst::sweep::progress(states, 2);
  EXPECT_EQ(p.done, 2u);
  EXPECT_EQ(p.running, 1u);
  EXPECT_EQ(p.left, 9u);
  EXPECT_EQ(p.failed, 1u);
  ASSERT_TRUE(p.eta_s.has_value());
  // xs runs: mean 20 s each: 3 left + 1 running (half) = 70 s; s runs: overall mean 20 s x 6 = 120 s; / 2.
  EXPECT_DOUBLE_EQ(*p.eta_s, (3 * 20 + 10 + 6 * 20) / 2.0);
  EXPECT_THAT(sst::sweep::progress_line(p), HasSubstr("2/12 done, 1 running, 9 left"));
}

TEST(SweepAggregate, UnreadableConfigIsAnErrorNamingIt) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir));
  const std::string sd = dir / "sd";
  sst::sweep::write_manifest(spec, sd, sst::sweep::expand(spec, sd), false);
  fake_summary(sd + "/runs/xs_f0.25_s1", "completed", 0.5, 10);
  write_text(sd + "/runs/xs_f0.25_s1/config.ini", "[model\nd_model = 96\n");
  try {
    sst::sweep::aggregate(sd, "", false);
    FAIL() << "a damaged config.ini was accepted";
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("xs_f0.25_s1/config.ini"));
  }
  EXPECT_FALSE(fs::exists(sd + "/sweep.csv"));  // no partial output
}

TEST(SweepAggregate, NoManifestIsAClearError) {
  TempDir dir("sweep");
  try {
    sst::sweep::aggregate(dir.path(), "", false);
    FAIL();
  } catch (const sst::UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sweep_manifest.json"));
  }
}

// ---- the CLI ---------------------------------------------------------------------------------------
namespace {
std::string sweep_bin() { return sst::test::bin("sst-sweep"); }
}  // namespace

TEST(SweepCli, ExpandCountIndexAndManifest) {
  TempDir dir("sweep-cli");
  const std::string file = write_sweep(dir);
  const std::string q = sst::test::sh_quote(file), sd = sst::test::sh_quote(dir / "sd");
  auto r = sst::test::run_command(sweep_bin() + " expand " + q + " --count");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "12\n");
  EXPECT_FALSE(fs::exists(dir / "sd"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("0\txs_f0.25_s1\t--config "));
  EXPECT_TRUE(fs::exists(dir / "sd/sweep_manifest.json"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 7");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("\n--output.run_name=s_f0.25_s2\n"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 7 --field run");
  EXPECT_EQ(r.output, "s_f0.25_s2\n");
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --index 12");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("outside the grid"));
  // The sweep file changed after submission: an array task refuses to run a different grid.
  write_text(file, replaced(kGood, "seeds = 1, 2", "seeds = 1, 3"));
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("changed since"));
}

TEST(SweepCli, SweepDirKeepsItsData) {
  TempDir dir("sweep-cli");
  const std::string q = sst::test::sh_quote(write_sweep(dir)), sd = sst::test::sh_quote(dir / "sd");
  auto r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --data /x/d.h5 --count");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Later calls without --data (array tasks, --count) use the data the sweep dir was expanded with.
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --count");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --index 0");
  EXPECT_THAT(r.output, HasSubstr("--data\n/x/d.h5\n"));
  // A different --data into the same sweep dir is refused.
  r = sst::test::run_command(sweep_bin() + " expand " + q + " --sweep-dir " + sd + " --data /y/e.h5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("was expanded with data '/x/d.h5'"));
}

// Bad input to the binary (one-line errors, exit codes): the catalogue in tests/hostile/test_sweep.cpp.
TEST(SweepCli, HelpForEveryCommand) {
  for (const char* cmd : {"--help", "expand --help", "aggregate --help", "status --help"}) {
    auto r = sst::test::run_command(sweep_bin() + " " + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("sst-sweep")) << cmd;
  }
}

// Each command's option table refuses a bad value at parse time: a usage error (exit 2) in one line naming it.
TEST(SweepCli, OptionTablesRefuseBadValues) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"status SD --unfinished --stage soon", "'soon') for option '--stage' is invalid: must be all or main or"},
      {"status SD --index -1", "--index = -1: must be >= 0"},
      {"status SD --parallel -2", "--parallel = -2: must be >= 0"},
      {"expand X.ini --field size", "'size') for option '--field' is invalid: must be args or run or"},
      {"expand X.ini --index x", "--index"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = sst::test::run_command(sweep_bin() + " " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_EQ(r.output.rfind("sst-sweep: usage error: ", 0), 0u) << r.output;
    EXPECT_THAT(r.output, HasSubstr(message)) << args;
    EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
  }
}

TEST(SweepCli, StatusAndAggregate) {
  TempDir dir("sweep-cli");
  const std::string file = write_sweep(dir);
  const std::string sd = dir / "sd";
  auto r = sst::test::run_command(sweep_bin() + " expand " + sst::test::sh_quote(file) + " --sweep-dir " +
                                  sst::test::sh_quote(sd) + " --count");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fake_summary(sd + "/runs/xs_f0.25_s1", "completed", 0.5, 10);
  r = sst::test::run_command(sweep_bin() + " status " + sst::test::sh_quote(sd));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1/12 done, 0 running, 11 left, ETA 0:01:50"));
  r = sst::test::run_command(sweep_bin() + " status " + sst::test::sh_quote(sd) + " --index 0");
  EXPECT_EQ(r.output, "completed\n");
  r = sst::test::run_command(sweep_bin() + " status " + sst::test::sh_quote(sd) + " --unfinished");
  EXPECT_EQ(r.output, "1,2,3,4,5,6,7,8,9,10,11\n");
  r = sst::test::run_command(sweep_bin() + " aggregate " + sst::test::sh_quote(sd));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(sd + "/sweep.csv"));
}

// ---- budget grids (IsoFLOP designs) and cooldown branches ----------------------------------------------------
namespace {

const char* kBudget = R"([sweep]
name = iso
base_config = base.ini
seeds = 1

[models]
names = xs, s

[model.xs]
d_model = 32

[model.s]
d_model = 48
budgets = 1e12, 4e12

[budget]
flops = 1e12, 2e12, 4e12
eval_every = 10
cooldown_branches = true
)";

}  // namespace

TEST(SweepBudgets, FlopsGridExpandsWithBudgetsAndBranches) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, kBudget));
  EXPECT_EQ(spec.budget.kind, sst::sweep::BudgetKind::kFlops);
  EXPECT_FALSE(spec.fractions_given);
  const auto points = sst::sweep::expand(spec, dir / "sd");
  std::vector<std::string> names;
  for (const auto& p : points) names.push_back(p.run);
  // models x budgets (xs: the sweep's three, s: its own two) x seeds; no fraction in the names (all data).
  EXPECT_THAT(names, ElementsAre("xs_c1e12_s1", "xs_c2e12_s1", "xs_c4e12_s1", "s_c1e12_s1", "s_c4e12_s1"));
  const std::string runs = fs::path(dir / "sd").lexically_normal().string() + "/runs/";
  // The largest budget of a size trains in full and keeps the snapshots of the smaller ones...
  const auto& main_xs = points[2].args;
  EXPECT_TRUE(has_arg(main_xs, "--train.max_flops=4000000000000"));
  EXPECT_TRUE(has_arg(main_xs, "--train.snapshot_budgets=1000000000000,2000000000000"));
  EXPECT_TRUE(has_arg(main_xs, "--train.schedule=wsd"));
  EXPECT_TRUE(has_arg(main_xs, "--train.max_steps=0"));
  EXPECT_TRUE(has_arg(main_xs, "--data.fraction=1"));
  EXPECT_EQ(points[2].parent, "");
  // ... and the smaller ones branch from it.
  EXPECT_EQ(points[0].parent, "xs_c4e12_s1");
  EXPECT_TRUE(has_arg(points[0].args, "--train.branch_from=" + runs + "xs_c4e12_s1"));
  EXPECT_TRUE(has_arg(points[0].args, "--train.max_flops=1000000000000"));
  EXPECT_EQ(points[3].parent, "s_c4e12_s1");
  EXPECT_EQ(points[3].budget, 1e12);
  const json m = sst::sweep::manifest_json(spec, dir / "sd", points);
  EXPECT_EQ(m["budget_kind"], "flops");
  EXPECT_EQ(m["points"][0]["parent"], "xs_c4e12_s1");
  EXPECT_EQ(m["points"][0]["budget"], 1e12);
  EXPECT_FALSE(m["points"][2].contains("parent"));

  // Without branches every point trains its budget from scratch, schedule as the base config says.
  auto plain = sst::sweep::parse_sweep_file(write_sweep(dir, replaced(kBudget, "cooldown_branches = true\n", "")));
  for (const auto& p : sst::sweep::expand(plain, dir / "sd2")) {
    EXPECT_EQ(p.parent, "");
    EXPECT_FALSE(has_arg(p.args, "--train.schedule=wsd"));
  }
  // Token budgets, with fractions: names carry both.
  auto tokens = sst::sweep::parse_sweep_file(
      write_sweep(dir, replaced(replaced(replaced(kBudget, "flops = 1e12, 2e12, 4e12", "tokens = 5e5, 1e6"),
                                         "budgets = 1e12, 4e12\n", ""),
                                "seeds = 1", "seeds = 1\nfractions = 1/2, 1")));
  const auto tp = sst::sweep::expand(tokens, dir / "sd3");
  EXPECT_EQ(tp.size(), 2u * 2u * 2u);
  EXPECT_EQ(tp[0].run, "xs_f0.5_t5e5_s1");
  EXPECT_TRUE(has_arg(tp[0].args, "--train.max_tokens=500000"));
}

TEST(SweepBudgets, BadBudgetGridsGiveOneClearError) {
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases = {
      {"flops = 1e12, 2e12, 4e12", "flops = 1e12, 0", "budget.flops: '0' must be a number > 0"},
      {"flops = 1e12, 2e12, 4e12", "flops = 1e12, 1e12", "listed twice"},
      {"flops = 1e12, 2e12, 4e12", "flops = 1e12\ntokens = 5", "give one budget grid"},
      {"eval_every = 10", "eval_every = 10\nmax_steps = 40", "both set the run length"},
      {"eval_every = 10", "eval_every = 10\nepochs = 3", "both set the run length"},
      {"eval_every = 10", "eval_every = 10\npatience = 3", "patience must be 0"},
      {"cooldown_branches = true", "cooldown_branches = maybe", "must be true or false"},
      {"d_model = 32", "d_model = 32\ntrain.schedule = cosine", "needs train.schedule = wsd"},
      {"d_model = 32", "d_model = 32\ntrain.max_flops = 5", "cannot be set with budget.flops"},
      {"d_model = 32", "d_model = 32\ntrain.branch_from = x", "cannot be set per model"},
      {"budgets = 1e12, 4e12", "budgets = 1e12, -4", "model.s.budgets: '-4' must be a number > 0"},
      {"flops = 1e12, 2e12, 4e12", "tokens = 1.5, 3", "not a whole number of tokens"},
  };
  for (const auto& c : cases) {
    const std::string err = error_of(replaced(kBudget, c.from, c.to));
    EXPECT_THAT(err, HasSubstr(c.expect)) << "case: " << c.from << " -> " << c.to;
    EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  }
  // A model's own budget list needs a budget grid.
  EXPECT_THAT(error_of(replaced(kGood, "train.lr = 5e-4", "train.lr = 5e-4\nbudgets = 1e12")),
              HasSubstr("needs a budget grid"));
}

// A branch waits for its parent to finish; --stage splits the array a Slurm submission makes.
TEST(SweepBudgets, BranchesWaitForTheirParent) {
  TempDir dir("sweep");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, kBudget));
  const std::string sd = dir / "sd";
  sst::sweep::write_manifest(spec, sd, sst::sweep::expand(spec, sd), false);
  auto states = sst::sweep::run_states(sd, sst::sweep::read_manifest(sd));
  EXPECT_EQ(states[0].parent, "xs_c4e12_s1");
  EXPECT_EQ(sst::sweep::launcher_action(states, 0), "wait");
  EXPECT_EQ(sst::sweep::launcher_action(states, 2), "run");
  fake_summary(sd + "/runs/xs_c4e12_s1", "completed", 0.5, 10);
  states = sst::sweep::run_states(sd, sst::sweep::read_manifest(sd));
  EXPECT_EQ(sst::sweep::launcher_action(states, 0), "run");
  EXPECT_EQ(sst::sweep::launcher_action(states, 2), "skip");
  EXPECT_EQ(sst::sweep::launcher_action(states, 3), "wait");  // s's parent has not run

  const auto st = sst::test::run_tool("sst-sweep", {"status", sd, "--unfinished", "--stage", "main"});
  EXPECT_EQ(st.out, "4\n");  // xs_c4e12_s1 is finished
  const auto br = sst::test::run_tool("sst-sweep", {"status", sd, "--unfinished", "--stage", "branches"});
  EXPECT_EQ(br.out, "0,1,3\n");
  const auto act = sst::test::run_tool("sst-sweep", {"status", sd, "--index", "3", "--action"});
  EXPECT_EQ(act.out, "wait\n");
  const auto parent = sst::test::run_tool(
      "sst-sweep", {"expand", dir / "sweep.ini", "--sweep-dir", sd, "--index", "0", "--field", "parent"});
  EXPECT_EQ(parent.out, "xs_c4e12_s1\n");

  // The new columns: the point's budget and parent from the manifest.
  sst::sweep::aggregate(sd, "", false);
  std::ifstream in(sd + "/sweep.csv");
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  const auto cols = split_line(header), cells = split_line(row);
  const auto at = [&](const std::string& c) {
    return cells[static_cast<size_t>(std::find(cols.begin(), cols.end(), c) - cols.begin())];
  };
  EXPECT_EQ(at("run"), "xs_c1e12_s1");
  EXPECT_EQ(at("budget"), "1000000000000");
  EXPECT_EQ(at("parent"), "xs_c4e12_s1");
}

TEST(SweepNumbers, CompactBudgets) {
  EXPECT_EQ(sst::sweep::compact_number(1e13), "1e13");
  EXPECT_EQ(sst::sweep::compact_number(3.2e14), "3.2e14");
  EXPECT_EQ(sst::sweep::compact_number(5e6), "5e6");
  EXPECT_EQ(sst::sweep::compact_number(1500), "1500");
  EXPECT_EQ(sst::sweep::compact_number(2.5e-3), "0.0025");
}

// One run length per fraction: smaller subsets train more epochs, each run's schedule spanning its own length.
TEST(SweepBudgets, EpochsPerFraction) {
  TempDir dir("sweep");
  const std::string text = replaced(kGood, "max_steps = 40", "epochs = 8, 4, 2");
  auto spec = sst::sweep::parse_sweep_file(write_sweep(dir, text));
  EXPECT_EQ(spec.budget.epochs_per_fraction, (std::vector<double>{8, 4, 2}));
  const auto points = sst::sweep::expand(spec, dir / "sd");
  EXPECT_TRUE(has_arg(points[0].args, "--data.fraction=0.25"));
  EXPECT_TRUE(has_arg(points[0].args, "--train.epochs=8"));
  EXPECT_TRUE(has_arg(points[2].args, "--train.epochs=4"));
  EXPECT_TRUE(has_arg(points[5].args, "--train.epochs=2"));
  EXPECT_THAT(error_of(replaced(kGood, "max_steps = 40", "epochs = 8, 4")), HasSubstr("2 values for 3 fractions"));
  // eval_every likewise: short runs evaluate often.
  auto ev =
      sst::sweep::parse_sweep_file(write_sweep(dir, replaced(replaced(kGood, "max_steps = 40", "epochs = 8, 4, 2"),
                                                             "eval_every = 10", "eval_every = 5, 10, 20")));
  const auto evp = sst::sweep::expand(ev, dir / "sd2");
  EXPECT_TRUE(has_arg(evp[0].args, "--train.eval_every=5"));
  EXPECT_TRUE(has_arg(evp[5].args, "--train.eval_every=20"));
  EXPECT_THAT(error_of(replaced(kGood, "eval_every = 10", "eval_every = 5, 10")),
              HasSubstr("2 values for 3 fractions"));
  EXPECT_THAT(error_of(replaced(kGood, "max_steps = 40", "epochs = 8, x, 2")), HasSubstr("budget.epochs: 'x'"));
}

// A size's epochs_scale multiplies the epochs of every fraction for that size only.
TEST(SweepBudgets, EpochsScalePerModel) {
  TempDir dir("sweep");
  const std::string text = replaced(replaced(kGood, "max_steps = 40", "epochs = 8, 4, 2"), "ff_dim = 64\n",
                                    "ff_dim = 64\nepochs_scale = 2.5\n");
  const auto points = sst::sweep::expand(sst::sweep::parse_sweep_file(write_sweep(dir, text)), dir / "sd");
  ASSERT_EQ(points.size(), 12u);  // xs then s, 3 fractions x 2 seeds each
  EXPECT_TRUE(has_arg(points[0].args, "--train.epochs=20"));
  EXPECT_TRUE(has_arg(points[5].args, "--train.epochs=5"));
  EXPECT_TRUE(has_arg(points[6].args, "--train.epochs=8"));  // s is not scaled
  // One epochs value for all fractions is scaled too.
  const auto one = sst::sweep::expand(
      sst::sweep::parse_sweep_file(write_sweep(dir, replaced(replaced(kGood, "max_steps = 40", "epochs = 3"),
                                                             "ff_dim = 64\n", "ff_dim = 64\nepochs_scale = 2\n"))),
      dir / "sd2");
  EXPECT_TRUE(has_arg(one[0].args, "--train.epochs=6"));
  EXPECT_TRUE(has_arg(one[6].args, "--train.epochs=3"));
  EXPECT_THAT(error_of(replaced(kGood, "ff_dim = 64\n", "ff_dim = 64\nepochs_scale = 2\n")),
              HasSubstr("model.xs.epochs_scale needs [budget] epochs"));
  EXPECT_THAT(error_of(replaced(replaced(kGood, "max_steps = 40", "epochs = 3"), "ff_dim = 64\n",
                                "ff_dim = 64\nepochs_scale = -1\n")),
              HasSubstr("model.xs.epochs_scale = '-1' must be a number > 0"));
}
