#include "analysis/eval/predict_command.h"

#include <boost/program_options.hpp>

#include <array>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "analysis/cli/cells.h"
#include "analysis/cli/options.h"
#include "analysis/eval/metrics.h"
#include "analysis/model/model_io.h"
#include "common/error.h"
#include "common/options.h"
#include "common/text.h"
#include "dataset/tsv_reader.h"

namespace po = boost::program_options;

namespace sst::analysis::eval {
enum class PredictFormat { kTsv, kJsonl };  // what `predict --format` prints
}  // namespace sst::analysis::eval

namespace sst {
template <>
struct EnumNames<analysis::eval::PredictFormat> {
  using F = analysis::eval::PredictFormat;
  static constexpr std::array<std::pair<F, const char*>, 2> kNames{{{F::kTsv, "tsv"}, {F::kJsonl, "jsonl"}}};
};
}  // namespace sst

namespace sst::analysis::eval {

// Boost finds the enum parser by argument-dependent lookup, in this namespace;
// clang-tidy does not follow that lookup and calls it unused.
using sst::validate;  // NOLINT(misc-unused-using-decls)

const char* const kPredictSummary = "classify sentences (arguments, or one per line on stdin)";

namespace {

std::string fmt6(double v) { return cli::number_cell("%.6f", v); }

}  // namespace

int predict_main(int argc, char** argv) {
  std::string checkpoint;
  PredictFormat format = PredictFormat::kTsv;
  std::vector<std::string> sentences;
  int threads = 0;
  long long batch = 128;
  const std::string usage =
      "Usage: sst-analyze predict --checkpoint PATH [--format tsv|jsonl] [SENTENCE ...]\n\n"
      "Classifies each SENTENCE (or, with none, each non-empty line of stdin) with the checkpoint's model and\n"
      "tokenizer. Prints one line per sentence: TSV with a header (label, name, probability of that label,\n"
      "p_positive for a two-class model, sentence) or JSON lines.\n\nOptions";
  OptionTable t("", "--");
  cli::add_checkpoint_option(t, checkpoint);
  t.add("format", format, "output format", {}, Resume::kMayChange, enum_choices<PredictFormat>("|"));
  t.add("batch-size", batch, "sentences per forward pass", at_least(1), Resume::kMayChange, "B");
  cli::add_threads_option(t, threads);
  const auto check = [&](const po::variables_map&) {
    for (size_t i = 0; i < sentences.size(); ++i)
      if (text::trim(sentences[i]).empty()) throw po::error("sentence " + std::to_string(i + 1) + " is empty");
  };
  if (auto exit = cli::parse_subcommand_options("predict", argc, argv, usage, t,
                                                cli::Positional{"sentence", &sentences}, check))
    return *exit;
  if (sentences.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!text::trim(line).empty()) sentences.push_back(line);
    }
    if (sentences.empty()) throw UserError("no sentences: give them as arguments or one per line on stdin");
  }
  // Refused like sst-prep refuses it, rather than echoed raw into the TSV or replaced in the JSON.
  for (size_t i = 0; i < sentences.size(); ++i)
    if (const size_t bad = dataset::find_invalid_utf8(sentences[i]); bad != std::string::npos)
      throw UserError("sentence " + std::to_string(i + 1) + " is not valid UTF-8 (byte " + std::to_string(bad + 1) +
                      ")");
  const model::Classifier classifier(checkpoint, threads);
  const std::vector<Probs> probs = classifier.predict_text(sentences, batch);
  // Everything is computed before the first line is printed: a failure prints no partial table.
  // p_positive, the probability of class 1, is a two-class column: K-class checkpoints have none.
  const std::vector<std::string> names = display_class_names(classifier.class_names());
  const bool binary = names.size() == 2;
  std::string out = format == PredictFormat::kTsv ? (binary ? "label\tname\tprobability\tp_positive\tsentence\n"
                                                            : "label\tname\tprobability\tsentence\n")
                                                  : "";
  for (size_t i = 0; i < sentences.size(); ++i) {
    const int label = predicted_label(probs[i]);
    if (format == PredictFormat::kTsv) {
      out += std::to_string(label) + "\t" + cli::one_line(names[label]) + "\t" + fmt6(probs[i][label]) + "\t" +
             (binary ? fmt6(probs[i][1]) + "\t" : "") + cli::one_line(sentences[i]) + "\n";
    } else {
      nlohmann::json j{
          {"sentence", sentences[i]}, {"label", label}, {"name", names[label]}, {"probability", probs[i][label]}};
      if (binary) j["p_positive"] = probs[i][1];
      out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
  }
  std::cout << out << std::flush;
  return 0;
}

}  // namespace sst::analysis::eval
