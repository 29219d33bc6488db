// Your own data end to end (issue 27 part 9): a synthetic 5-class set written here as TSV (label names)
// and JSONL (integer labels) goes through sst-prep --format tsv|jsonl, a few steps of sst-train and
// sst-analyze evaluate and predict; a two-class file prepared either way trains identically; bad input is
// one line naming file and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::test {
namespace {

const char* const kNames[5] = {"awful", "bad", "neutral", "good", "great"};

// n sentences; class k's sentences use class k's words, so a model can learn them. JSONL labels are
// the ids as integers, TSV labels the names.
void write_split(const std::string& dir, const std::string& split, int n, int classes, unsigned seed) {
  static const char* const words[5][3] = {{"dreadful", "awful", "horrid"},
                                          {"dull", "weak", "poor"},
                                          {"plain", "okay", "average"},
                                          {"nice", "good", "solid"},
                                          {"superb", "great", "brilliant"}};
  std::mt19937 rng(seed);
  std::string tsv = "text\tlabel\n", jsonl;
  for (int i = 0; i < n; ++i) {
    const int k = static_cast<int>(rng() % classes);
    std::string s = "the film was";
    for (int w = 0; w < 3; ++w) s += std::string(" ") + words[k][rng() % 3];
    tsv += s + "\t" + kNames[k] + "\n";
    jsonl += json{{"text", s}, {"label", k}, {"id", i}}.dump() + "\n";
  }
  write_text(dir + "/" + split + ".tsv", tsv);
  write_text(dir + "/" + split + ".jsonl", jsonl);
}

ToolResult prep(const std::string& dir, const std::string& out, const std::string& format) {
  return run_tool("sst-prep", {"--data-dir", dir, "--output", out, "--format", format, "--vocab-size", "40",
                               "--model-type", "word"});
}

std::string train(const std::string& data, const std::string& run) {
  const auto r = run_command(sh_quote(bin("sst-train")) + " --config " + sst::test::source_dir() +
                             "/configs/tiny.ini --data " + sh_quote(data) + " --out-dir " + sh_quote(run) +
                             " --train.threads=1 --train.max_steps=8 --train.log_every=2 --train.eval_every=4"
                             " --train.warmup_steps=2 --train.global_batch=16 --model.max_len=16" +
                             kOnCpu + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return run + "/checkpoints/best.pt";
}

TEST(OwnData, FiveClassesFromTsvAndJsonlPrepTrainEvaluatePredict) {
  TempDir dir("own_data");
  const std::string data = dir / "k5";
  write_split(data, "train", 400, 5, 1);
  write_split(data, "dev", 60, 5, 2);
  for (const std::string format : {"tsv", "jsonl"}) {
    const auto r = prep(data, dir / (format + ".h5"), format);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("classes: 5:"), std::string::npos) << r.out;
  }
  // TSV names sort byte-wise; JSONL's integer labels keep their values.
  EXPECT_NE(prep(data, dir / "again.h5", "tsv").out.find("'awful' = 0, 'bad' = 1, 'good' = 2, 'great' = 3"),
            std::string::npos);

  const std::string ckpt = train(dir / "tsv.h5", dir / "run");
  ASSERT_TRUE(fs::exists(ckpt));
  const auto ev =
      run_tool("sst-analyze", {"evaluate", "--checkpoint", ckpt, "--data", dir / "tsv.h5", "--output", dir / "eval"});
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  const json j = read_json(dir / "eval/evaluation.json");
  EXPECT_EQ(j["num_classes"].get<int>(), 5);
  EXPECT_EQ(j["classes"], json({"awful", "bad", "good", "great", "neutral"}));
  const json& m = j["confusion"]["matrix"];
  ASSERT_EQ(m.size(), 5u);
  int64_t total = 0, diagonal = 0;
  for (size_t t = 0; t < 5; ++t) {
    ASSERT_EQ(m[t].size(), 5u);
    for (size_t p = 0; p < 5; ++p) total += m[t][p].get<int64_t>();
    diagonal += m[t][t].get<int64_t>();
  }
  EXPECT_EQ(total, 60);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), static_cast<double>(diagonal) / 60);
  double f1 = 0;  // macro-F1: the unweighted mean of the per-class F1 (of the classes seen: here all five)
  for (const auto& [name, c] : j["per_class"].items()) {
    EXPECT_GT(c["support"].get<int>(), 0) << name;
    f1 += c["f1"].get<double>();
  }
  EXPECT_NEAR(j["macro_f1"].get<double>(), f1 / 5, 1e-12);
  EXPECT_GE(j["calibration"]["ece"].get<double>(), 0.0);
  EXPECT_FALSE(j.contains("predicted_positive")) << "a two-class quantity";
  const std::string md = read_text(dir / "eval/evaluation.md");
  EXPECT_NE(md.find("| true \\ predicted | awful | bad | good | great | neutral |"), std::string::npos) << md;

  // The same checkpoint on the JSONL-prepared file: other class names, refused in one line.
  const auto other = run_tool(
      "sst-analyze", {"evaluate", "--checkpoint", ckpt, "--data", dir / "jsonl.h5", "--output", dir / "eval2"});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("has 5 classes ('0', '1', '2', '3', '4'), checkpoint"), std::string::npos) << other.err;

  const auto pr =
      run_tool("sst-analyze", {"predict", "--checkpoint", ckpt, "--format", "jsonl", "the film was superb"});
  ASSERT_EQ(pr.exit_code, 0) << pr.err;
  const json p = json::parse(pr.out);
  EXPECT_FALSE(p.contains("p_positive"));
  EXPECT_NE(std::string("awful bad good great neutral").find(p["name"].get<std::string>()), std::string::npos);
}

TEST(OwnData, TwoClassFileTrainsAsSst2Does) {
  TempDir dir("own_data_2");
  const std::string data = dir / "k2";
  write_split(data, "train", 300, 2, 3);
  write_split(data, "dev", 40, 2, 4);
  // The same sentences with labels 0/1 in SST-2's format ('awful' sorts before 'bad': the same ids).
  for (const std::string split : {"train", "dev"}) {
    std::string text = read_text(data + "/" + split + ".tsv"), out = "sentence\tlabel\n";
    text = text.substr(text.find('\n') + 1);
    for (size_t pos = 0; pos < text.size();) {
      const size_t tab = text.find('\t', pos), nl = text.find('\n', pos);
      out += text.substr(pos, tab - pos) + "\t" + (text.substr(tab + 1, nl - tab - 1) == "awful" ? "0" : "1") + "\n";
      pos = nl + 1;
    }
    write_text(dir / ("sst2/" + split + ".tsv"), out);
  }
  ASSERT_EQ(prep(dir / "sst2", dir / "sst2.h5", "sst2").exit_code, 0);
  ASSERT_EQ(prep(data, dir / "num.h5", "tsv").exit_code, 0);
  train(dir / "sst2.h5", dir / "a");
  train(dir / "num.h5", dir / "b");
  const auto a = read_jsonl(dir / "a/metrics.jsonl"), b = read_jsonl(dir / "b/metrics.jsonl");
  ASSERT_EQ(a.size(), b.size());
  int compared = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (const char* key : {"loss", "dev_loss", "dev_acc", "grad_norm"})
      if (a[i].contains(key)) {
        EXPECT_EQ(a[i][key], b[i][key]) << key << " of record " << i;
        ++compared;
      }
  EXPECT_GT(compared, 4);
}

TEST(OwnData, BadInputIsOneLineNamingFileAndLine) {
  TempDir dir("own_data_bad");
  const std::string data = dir / "bad";
  write_split(data, "train", 50, 5, 5);
  write_text(data + "/dev.tsv", "text\tlabel\nfine\tgood\nodd\tjoyful\n");
  const auto r = prep(data, dir / "out.h5", "tsv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sst-prep: error: " + data + "/dev.tsv:3: label 'joyful' does not occur in the training set (" +
                       data + "/train.tsv has 5 labels)\n");
  write_text(data + "/dev.jsonl", "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"\", \"label\": 2}\n");
  EXPECT_EQ(prep(data, dir / "out.h5", "jsonl").err, "sst-prep: error: " + data + "/dev.jsonl:2: empty text\n");
  write_text(data + "/dev.jsonl", "{\"text\": \"fine\", \"label\": 1}\n");
  write_text(data + "/train.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": 1}\n");
  EXPECT_EQ(prep(data, dir / "out.h5", "jsonl").err,
            "sst-prep: error: " + data +
                "/train.jsonl: 1 distinct label ('1') in 2 examples; classification needs "
                "at least 2\n");
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
}

}  // namespace
}  // namespace sst::test
