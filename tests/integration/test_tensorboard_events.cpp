// output.tensorboard end to end: sst-train writes TensorBoard event files next to metrics.jsonl, and
// TensorBoard's own reader (the `tensorboard` Python package, installed here with pip into the build
// tree) reads back exactly metrics.jsonl's numbers at its steps, also across a failure, a preemption and
// their resumes.
// Every metrics.jsonl record carries its wall-clock time and the run's elapsed seconds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::test {
namespace {

// A folder of the build tree holding `pip install --target` of tensorboard, made once per build tree.
// "" with `why` set when pip cannot reach the package index (the test then skips, saying so).
std::string tensorboard_python(std::string& why) {
  const std::string dir = fs::path(bin("sst-train")).parent_path().parent_path().string() + "/python/tensorboard";
  if (fs::exists(dir + "/.installed")) return dir;
  const auto pip = run_command("python3 -m pip --version 2>&1");
  if (pip.exit_code != 0) {
    ADD_FAILURE() << "python3 -m pip is not available (launch/install_deps.sh installs python3-pip): " << pip.output;
    return "";
  }
  const std::string tmp = dir + ".tmp";
  fs::remove_all(tmp);
  const auto install = run_command("python3 -m pip install --quiet --disable-pip-version-check --target " +
                                   sh_quote(tmp) + " tensorboard 2>&1");
  if (install.exit_code != 0) {
    const auto probe = run_command("python3 -m pip index versions tensorboard 2>&1");
    if (probe.exit_code != 0) {
      std::string last = probe.output;  // pip's own reason: its last line
      while (!last.empty() && last.back() == '\n') last.pop_back();
      why = "pip cannot reach the package index to install tensorboard: " + last.substr(last.rfind('\n') + 1);
      return "";
    }
    ADD_FAILURE() << "pip install tensorboard failed although the index answers:\n" << install.output;
    return "";
  }
  write_text(tmp + "/.installed", "");
  fs::remove_all(dir);
  fs::rename(tmp, dir);
  return dir;
}

// "2026-03-01T12:00:00.250Z" as Unix seconds; NAN if it is not that shape.
double parse_iso_utc(const std::string& s) {
  std::tm t{};
  int ms = -1;
  if (s.size() != 24 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &t.tm_year, &t.tm_mon, &t.tm_mday,
                                    &t.tm_hour, &t.tm_min, &t.tm_sec, &ms) != 7)
    return NAN;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<double>(timegm(&t)) + ms / 1000.0;
}

std::string train_command(const std::string& run, const std::string& extra) {
  return sh_quote(bin("sst-train")) + " --config " + sst::test::source_dir() + "/configs/tiny.ini --data " +
         sh_quote(synthetic_dataset()) + " --out-dir " + sh_quote(run) +
         " --train.threads=1 --train.max_steps=12 --train.log_every=2 --train.eval_every=4 --train.warmup_steps=2"
         " --train.checkpoint_every=4 --model.max_len=16 --output.tensorboard=true" +
         kOnCpu + extra + " 2>&1";
}

TEST(TensorBoardEvents, TensorBoardReadsMetricsJsonlNumbersAcrossResumes) {
  std::string why;
  const std::string python = tensorboard_python(why);
  if (python.empty() && !why.empty()) GTEST_SKIP() << why;
  ASSERT_FALSE(python.empty());
  TempDir dir("tensorboard");
  const std::string run = dir / "run";
  // Fails at step 7 after logging step 6 (its checkpoint is step 4's: metrics.jsonl's step-6 lines are
  // dropped on resume, and TensorBoard must drop the first file's step-6 values too), resumes and is
  // preempted after step 10 (exit 75), then resumes to step 12: three event files, one metrics.jsonl.
  auto first = run_command("SST_INJECT_ERROR_AT_STEP=7 " + train_command(run, ""));
  ASSERT_NE(first.exit_code, 0) << first.output;
  ASSERT_NE(read_text(run + "/metrics.jsonl").find("\"step\":6,"), std::string::npos);
  auto second = run_command(train_command(run, " --resume auto --train.halt_at_step=10"));
  ASSERT_EQ(second.exit_code, 75) << second.output;
  auto third = run_command(train_command(run, " --resume auto"));
  ASSERT_EQ(third.exit_code, 0) << third.output;
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(run + "/tensorboard"))
    files += e.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  EXPECT_EQ(files, 3u);

  const auto read = run_command("PYTHONPATH=" + sh_quote(python) + " python3 " + sst::test::source_dir() +
                                "/tests/integration/read_tensorboard_scalars.py " + sh_quote(run + "/tensorboard") +
                                " " + sh_quote(dir / "scalars.json"));
  ASSERT_EQ(read.exit_code, 0) << read.output;
  const json tb = read_json(dir / "scalars.json");

  // Every number of every record, at its step, as TensorBoard's float; nothing else.
  size_t points = 0;
  double last_elapsed = -1, last_time = 0;
  for (const auto& m : read_jsonl(run + "/metrics.jsonl")) {
    ASSERT_TRUE(m.contains("time") && m.contains("elapsed_s")) << m.dump();
    const double t = parse_iso_utc(m["time"].get<std::string>());
    ASSERT_FALSE(std::isnan(t)) << m.dump();
    EXPECT_GE(t, last_time);
    EXPECT_GE(m["elapsed_s"].get<double>(), last_elapsed);
    last_time = t;
    last_elapsed = m["elapsed_s"].get<double>();
    for (const auto& [key, value] : m.items()) {
      if (!value.is_number() || key == "step" || key == "elapsed_s") continue;
      const std::string tag = m["kind"].get<std::string>() + "/" + key;
      const int64_t step = m["step"].get<int64_t>();
      ASSERT_TRUE(tb.contains(tag)) << tag << " missing from " << read.output.substr(0, 500);
      bool found = false;
      for (const auto& p : tb[tag])
        if (p[0].get<int64_t>() == step) {
          EXPECT_EQ(p[1].get<double>(), static_cast<double>(static_cast<float>(value.get<double>()))) << tag << step;
          EXPECT_NEAR(p[2].get<double>(), t, 0.0011) << tag << step;  // the record's time, to the millisecond
          found = true;
        }
      EXPECT_TRUE(found) << tag << " at step " << step;
      ++points;
    }
  }
  EXPECT_GT(last_elapsed, 0);
  size_t tb_points = 0;
  for (const auto& [tag, values] : tb.items()) tb_points += values.size();
  EXPECT_EQ(tb_points, points) << "TensorBoard holds values metrics.jsonl does not";
  EXPECT_TRUE(tb.contains("train/loss") && tb.contains("eval/dev_acc"));
  EXPECT_EQ(tb["train/loss"].size(), 7u);  // steps 1, 2, 4, ..., 12
}

}  // namespace
}  // namespace sst::test
