// Options: INI + CLI precedence, and every bad value rejected with the key named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.h"
#include "common/torch_compat.h"
#include "test_support.h"
#include "train/config.h"

using ::testing::HasSubstr;

namespace {

sst::Config parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sst-train");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  sst::Config c;
  sst::parse_config(static_cast<int>(argv.size()), argv.data(), c);
  return c;
}

std::string error_of(std::vector<std::string> args) {
  try {
    auto c = parse(std::move(args));
    sst::validate_config(c);
  } catch (const sst::UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, CommandLineOverridesTheFile) {
  sst::test::TempDir dir("config");
  sst::test::write_text(dir / "a.ini", "[model]\nd_model = 96\nheads = 3\n[train]\nlr = 0.5\n");
  auto c = parse({"--config", dir / "a.ini", "--train.lr=0.25", "--out-dir", "x/y"});
  EXPECT_EQ(c.model.d_model, 96);
  EXPECT_EQ(c.model.heads, 3);
  EXPECT_DOUBLE_EQ(c.train.lr, 0.25);
  EXPECT_EQ(c.out_dir, "x/y");
  EXPECT_EQ(c.run_name, "y");
  EXPECT_THAT(c.resolved_ini, HasSubstr("d_model = 96"));
  EXPECT_THAT(c.resolved_ini, HasSubstr("lr = 0.25"));
}

// The General options have a table of their own: each is bound to what it sets, and --help shows them with
// their placeholders and the default of --resume.
TEST(Config, GeneralOptionsSetWhatTheyName) {
  sst::test::TempDir dir("config");
  sst::test::write_text(dir / "a.ini", "[data]\npath = from_file.h5\n");
  const auto c =
      parse({"--config", dir / "a.ini", "--data", "d.h5", "--out-dir", "o/run", "--resume", "auto", "--benchmark"});
  EXPECT_EQ(c.source_file, dir / "a.ini");
  EXPECT_EQ(c.data.path, "d.h5");
  EXPECT_EQ(c.out_dir, "o/run");
  EXPECT_EQ(c.resume, "auto");
  EXPECT_TRUE(c.benchmark.enabled);
  const auto plain = parse({"--config", dir / "a.ini"});
  EXPECT_EQ(plain.data.path, "from_file.h5") << "without --data the file's data.path stands";
  EXPECT_EQ(plain.resume, "none");
  EXPECT_FALSE(plain.benchmark.enabled);

  testing::internal::CaptureStdout();
  sst::Config printed;
  const char* print[] = {"sst-train", "--print-config", "--data", "d.h5"};
  EXPECT_EQ(sst::parse_config(4, print, printed), sst::ParseOutcome::kConfigPrinted);
  EXPECT_THAT(testing::internal::GetCapturedStdout(), HasSubstr("path = d.h5"));
  EXPECT_EQ(parse({"--data", "d.h5"}).resolved_ini.find("print"), std::string::npos);

  testing::internal::CaptureStdout();
  sst::Config helped;
  const char* help[] = {"sst-train", "--help"};
  EXPECT_EQ(sst::parse_config(2, help, helped), sst::ParseOutcome::kHelpPrinted);
  const std::string text = testing::internal::GetCapturedStdout();
  for (const char* shown : {"--config FILE", "--data FILE.h5", "--out-dir DIR", "--resume arg (=none)",
                            "--print-config", "--benchmark", "--benchmark.steps"})
    EXPECT_THAT(text, HasSubstr(shown));
}

TEST(Config, TensorBoardIsOffByDefaultAndATypedOption) {
  EXPECT_FALSE(parse({}).tensorboard);
  const auto on = parse({"--output.tensorboard=true"});
  EXPECT_TRUE(on.tensorboard);
  EXPECT_THAT(on.resolved_ini, HasSubstr("tensorboard = true"));
  EXPECT_THAT(error_of({"--output.tensorboard=yes please"}), HasSubstr("output.tensorboard"));
}

TEST(Config, PrintedConfigParsesBackToTheSameValues) {
  sst::test::TempDir dir("config");
  auto c = parse({"--model.layers=5", "--train.seed=42", "--model.pooling=mean"});
  sst::test::write_text(dir / "printed.ini", c.resolved_ini);
  auto again = parse({"--config", dir / "printed.ini"});
  EXPECT_EQ(again.resolved_ini, c.resolved_ini);
  EXPECT_EQ(again.model.layers, 5);
  EXPECT_EQ(again.model.pooling, sst::Pooling::kMean);
}

TEST(Config, UnknownKeyInFileNamesFileAndKey) {
  sst::test::TempDir dir("config");
  sst::test::write_text(dir / "bad.ini", "[model]\nd_modle = 64\n");
  std::string err = error_of({"--config", dir / "bad.ini"});
  EXPECT_THAT(err, HasSubstr("bad.ini"));
  EXPECT_THAT(err, HasSubstr("model.d_modle"));
}

TEST(Config, UnknownCommandLineOptionIsAnError) {
  EXPECT_THAT(error_of({"--train.learning_rate=1"}), HasSubstr("train.learning_rate"));
}

TEST(Config, MissingConfigFileIsAnError) {
  EXPECT_THAT(error_of({"--config", "/nonexistent/x.ini"}), HasSubstr("/nonexistent/x.ini"));
}

TEST(Config, BadValuesNameTheirKey) {
  EXPECT_THAT(error_of({"--model.d_model=64", "--model.heads=5"}), HasSubstr("model.heads"));
  EXPECT_THAT(error_of({"--train.lr=0"}), HasSubstr("train.lr"));
  EXPECT_THAT(error_of({"--train.lr=-1e-3"}), HasSubstr("train.lr"));
  EXPECT_THAT(error_of({"--model.pooling=max"}), HasSubstr("model.pooling"));
  EXPECT_THAT(error_of({"--model.position=sinusoidal"}), HasSubstr("model.position"));
  EXPECT_THAT(error_of({"--model.word_dropout=1"}), HasSubstr("model.word_dropout"));
  EXPECT_THAT(error_of({"--train.ema_decay=1"}), HasSubstr("train.ema_decay"));
  EXPECT_THAT(error_of({"--data.fraction=1.5"}), HasSubstr("data.fraction"));
  EXPECT_THAT(error_of({"--train.nan_policy=ignore"}), HasSubstr("train.nan_policy"));
  EXPECT_THAT(error_of({"--model.d_model=abc"}), HasSubstr("model.d_model"));
  EXPECT_THAT(error_of({"--train.prefetch=maybe"}), HasSubstr("train.prefetch"));
  EXPECT_THAT(error_of({"--train.overlap_allreduce=1"}), HasSubstr("train.overlap_allreduce"));
  EXPECT_THAT(error_of({"--train.bucket_window=-1"}), HasSubstr("train.bucket_window"));
  EXPECT_THAT(error_of({"--train.allreduce_bucket_mb=0"}), HasSubstr("train.allreduce_bucket_mb"));
  EXPECT_THAT(error_of({"--data.preload=perhaps"}), HasSubstr("data.preload"));
  EXPECT_THAT(error_of({"--benchmark", "--benchmark.steps=0"}), HasSubstr("benchmark.steps"));
  EXPECT_EQ(error_of({"--model.d_model=64", "--model.heads=8"}), "");
}

TEST(Config, EveryFloatingPointOptionMustBeFinite) {
  for (const char* key : {"train.lr", "train.min_lr_ratio", "train.epochs", "train.weight_decay", "train.grad_clip",
                          "train.label_smoothing", "train.ema_decay", "train.allreduce_bucket_mb",
                          "train.memory_limit_gb", "data.fraction", "model.dropout", "model.word_dropout"})
    for (const char* value : {"nan", "inf", "-inf"}) {
      const std::string err = error_of({std::string("--") + key + "=" + value});
      EXPECT_THAT(err, HasSubstr(std::string(key) + " must be a finite number")) << key << "=" << value;
    }
}

TEST(Config, ConfigMustBeARegularFile) {
  sst::test::TempDir dir("config");
  EXPECT_THAT(error_of({"--config", dir.path()}), HasSubstr("config file " + dir.path() + " is not a regular file"));
}

TEST(Config, PrintConfigValidatesBeforePrinting) {
  testing::internal::CaptureStdout();
  const std::string err = error_of({"--print-config", "--model.d_model=64", "--model.heads=5"});
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "") << "nothing printed for an invalid config";
  EXPECT_THAT(err, HasSubstr("model.heads = 5 must divide model.d_model = 64"));
}

TEST(Config, ResumeMayChangeTheBudgetButNotTheTrajectory) {
  const auto checkpoint = parse({"--train.lr=1e-3", "--train.max_steps=100"});
  auto same = parse({"--train.lr=0.001", "--train.max_steps=500", "--train.threads=2"});
  EXPECT_TRUE(sst::changed_on_resume(same, checkpoint.resolved_ini).empty());
  auto other = parse({"--train.lr=2e-3", "--train.global_batch=64", "--data.fraction=0.5"});
  EXPECT_THAT(sst::changed_on_resume(other, checkpoint.resolved_ini),
              testing::ElementsAre("data.fraction = 0.5 (checkpoint: 1)", "train.global_batch = 64 (checkpoint: 32)",
                                   "train.lr = 0.002 (checkpoint: 0.001)"));
  // A checkpoint from before an option existed does not hold it: nothing to compare.
  EXPECT_TRUE(sst::changed_on_resume(other, "[train]\nseed = 1\n").empty());
}

TEST(Config, BudgetsAndBranchingNeedTheirCompanions) {
  EXPECT_THAT(error_of({"--train.max_tokens=1000", "--train.max_flops=1e12"}), HasSubstr("train.max_flops"));
  EXPECT_THAT(error_of({"--train.max_tokens=1000", "--train.max_steps=10"}), HasSubstr("train.max_steps"));
  EXPECT_THAT(error_of({"--train.max_flops=-1"}), HasSubstr("train.max_flops"));
  EXPECT_THAT(error_of({"--train.decay_fraction=0"}), HasSubstr("train.decay_fraction"));
  EXPECT_THAT(error_of({"--train.schedule=linear"}), HasSubstr("train.schedule"));
  EXPECT_THAT(error_of({"--train.cooldown=cosine"}), HasSubstr("train.cooldown"));
  // Branching is exact only under wsd, and only a budgeted run has cooldown starts to keep.
  EXPECT_THAT(error_of({"--train.max_steps=0", "--train.max_tokens=1000", "--train.snapshot_budgets=500"}),
              HasSubstr("train.snapshot_budgets needs train.schedule = wsd"));
  EXPECT_THAT(error_of({"--train.schedule=wsd", "--train.branch_from=runs/x"}),
              HasSubstr("train.branch_from needs a budget"));
  EXPECT_THAT(error_of({"--train.max_steps=0", "--train.schedule=wsd", "--train.max_tokens=1000",
                        "--train.snapshot_budgets=500,2000"}),
              HasSubstr("more than this run's own budget"));
  EXPECT_THAT(error_of({"--train.max_steps=0", "--train.schedule=wsd", "--train.max_tokens=1000",
                        "--train.snapshot_budgets=5x"}),
              HasSubstr("'5x' is not a positive number"));
  EXPECT_EQ(error_of({"--train.max_steps=0", "--train.schedule=wsd", "--train.max_flops=1e12",
                      "--train.snapshot_budgets=1e11, 5e11", "--train.cooldown=linear"}),
            "");
  // With a budget the default epochs are not needed.
  EXPECT_EQ(error_of({"--train.max_steps=0", "--train.epochs=0", "--train.max_tokens=1000"}), "");
}

// train.deterministic is off by default, recorded in the run's config, and turns on what a GPU run
// needs to repeat bit for bit: LibTorch's deterministic algorithms, cuDNN's, and cuBLAS's workspace.
TEST(Config, DeterministicIsAnOptionThatSetsTheKernelsAndTheCublasWorkspace) {
  EXPECT_FALSE(parse({}).train.deterministic);
  auto c = parse({"--train.deterministic=true"});
  EXPECT_TRUE(c.train.deterministic);
  EXPECT_THAT(c.resolved_ini, HasSubstr("deterministic = true"));
  EXPECT_THAT(error_of({"--train.deterministic=maybe"}), HasSubstr("train.deterministic"));

  ::unsetenv("CUBLAS_WORKSPACE_CONFIG");
  sst::compat::use_deterministic_algorithms();
  EXPECT_TRUE(at::globalContext().deterministicAlgorithms());
  EXPECT_TRUE(at::globalContext().deterministicCuDNN());
  EXPECT_FALSE(at::globalContext().benchmarkCuDNN());
  ASSERT_NE(std::getenv("CUBLAS_WORKSPACE_CONFIG"), nullptr);
  EXPECT_STREQ(std::getenv("CUBLAS_WORKSPACE_CONFIG"), ":4096:8");
  at::globalContext().setDeterministicAlgorithms(false, false);  // the other tests' default
}
