#include "analysis/eval/evaluate_command.h"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "analysis/cli/options.h"
#include "analysis/eval/reliability_figure.h"
#include "analysis/model/model_io.h"
#include "analysis/plot/plot.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"
#include "dataset/class_labels.h"
#include "dataset/tsv_reader.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace sst::analysis::eval {

// Boost finds the enum parser by argument-dependent lookup, in this namespace;
// clang-tidy does not follow that lookup and calls it unused.
using sst::validate;  // NOLINT(misc-unused-using-decls)

const char* const kEvaluateSummary = "metrics, calibration, errors and slices of a checkpoint on a split or TSV";

std::vector<int> parse_int_list(const std::string& s, const std::string& option) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size()) throw UserError("--" + option + ": '" + item + "' is not an integer");
    out.push_back(v);
  }
  if (out.empty()) throw UserError("--" + option + " needs at least one value");
  return out;
}

namespace {

// Texts and labels of --tsv: SST-2's reader (labels 0/1) for a two-class "0"/"1" checkpoint; otherwise
// the any-label TSV reader (or JSONL for a .jsonl file), labels mapped to the checkpoint's classes.
void read_labeled_text(const std::string& path, const model::Classifier& classifier, EvaluationInput& in) {
  in.source = path;
  if (classifier.class_names() == std::vector<std::string>{"0", "1"}) {
    const dataset::TsvData d = dataset::read_tsv_file(path);
    in.texts = d.sentences;
    for (int8_t l : d.labels) in.labels.push_back(d.labeled ? l : -1);
    return;
  }
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  const dataset::TextData d = jsonl ? dataset::read_jsonl_file(path) : dataset::read_class_tsv_file(path);
  in.texts = d.sentences;
  for (int8_t l : dataset::class_ids_of(d, classifier.class_names(), path, "checkpoint " + classifier.info().path))
    in.labels.push_back(l);
}

EvaluationInput gather(const EvaluateOptions& o, const model::Classifier& classifier) {
  EvaluationInput in;
  in.checkpoint = o.checkpoint;
  const dataset::TokenizerInfo& tok = classifier.tokenizer_info();
  const std::vector<int32_t> specials{tok.pad_id, tok.cls_id, tok.eos_id};
  in.rare = rare_by_id_range(tok.vocab_size ? tok.vocab_size : classifier.tokenizer().vocab_size(), o.rare_fraction,
                             tok.unk_id, specials);
  in.class_names = display_class_names(classifier.class_names());
  if (!o.tsv.empty()) {
    read_labeled_text(o.tsv, classifier, in);
    for (const auto& s : in.texts) in.tokens.push_back(classifier.tokenizer().encode(s));
    in.probs = classifier.predict(in.tokens);
    return in;
  }
  const dataset::DatasetFile file(o.data);
  const std::string split_name = enum_name(o.split);
  if (!file.has_split(split_name)) throw UserError(o.data + " has no split '" + split_name + "'");
  classifier.check_same_data(file.identity(), o.data);
  classifier.check_same_classes(file.class_names(), o.data);
  const dataset::Split split = file.read_split(split_name);
  in.source = "split '" + split_name + "' of " + o.data;
  for (int64_t i = 0; i < split.num_examples(); ++i) {
    in.tokens.emplace_back(split.tokens.begin() + split.offsets[i], split.tokens.begin() + split.offsets[i + 1]);
    in.texts.push_back(classifier.tokenizer().decode(in.tokens.back()));
    in.labels.push_back(split.labels[i]);
  }
  in.probs = classifier.predict_split(file, split_name);
  if (file.has_split("train")) {
    const auto counts = token_counts(file.read_split("train").tokens, tok.vocab_size);
    in.rare = rare_by_train_frequency(counts, o.rare_threshold, tok.unk_id, specials);
  }
  return in;
}

}  // namespace

// Outputs never replace inputs: `--tsv O/predictions.tsv --output O` would overwrite the TSV it reads.
void refuse_inputs_as_outputs(const EvaluateOptions& o) {
  const std::vector<std::string> inputs = {o.checkpoint, o.data, o.tsv};
  for (const char* name : {"predictions.tsv", "evaluation.md", "evaluation.json", "reliability.dat", "reliability.gp",
                           "reliability.png", "reliability.svg"})
    refuse_output_over_input((fs::path(o.output) / name).string(), inputs);
}

Evaluation run_evaluate(const EvaluateOptions& o, const model::Classifier& classifier, std::ostream& out) {
  refuse_inputs_as_outputs(o);
  const EvaluationInput in = gather(o, classifier);
  Evaluation e = evaluate_predictions(in, o.settings);
  ensure_output_dir(o.output);
  // Figures first: if gnuplot fails, no evaluation.json claims a diagram that is not there.
  if (e.labeled) {
    if (plot::gnuplot_available()) {
      write_reliability_figure((fs::path(o.output) / "reliability").string(), e.calibration);
    } else {
      e.json["files"].erase("reliability_diagram");
      e.json["notes"].push_back("gnuplot not found on PATH: reliability diagram not drawn");
    }
  }
  write_text_atomically((fs::path(o.output) / "predictions.tsv").string(), predictions_tsv(in));
  write_text_atomically((fs::path(o.output) / "evaluation.md").string(), evaluation_markdown(e.json));
  write_text_atomically((fs::path(o.output) / "evaluation.json").string(), e.json.dump(2) + "\n");
  out << "evaluate: " << in.source << ", " << in.labels.size() << " examples";
  if (e.labeled) {
    char buf[160];
    std::snprintf(buf, sizeof buf, ": accuracy %.4f, log loss %.4f, macro F1 %.4f, ECE %.4f",
                  e.json["accuracy"].get<double>(), e.json["log_loss"].get<double>(), e.json["macro_f1"].get<double>(),
                  e.json["calibration"]["ece"].get<double>());
    out << buf << "\n";
  } else {
    out << " (unlabeled: predictions only, no metrics)\n";
  }
  out << "  wrote " << (fs::path(o.output) / "evaluation.json").string() << ", evaluation.md, predictions.tsv"
      << (e.json["files"].contains("reliability_diagram") ? ", reliability.{png,svg}" : "") << "\n";
  return e;
}

Evaluation run_evaluate(const EvaluateOptions& o, std::ostream& out) {
  const model::Classifier classifier(o.checkpoint, o.threads);
  return run_evaluate(o, classifier, out);
}

int evaluate_main(int argc, char** argv) {
  EvaluateOptions o;
  std::string buckets = "10,20,30";
  long long top_k = 10;
  const std::string usage =
      "Usage: sst-analyze evaluate --checkpoint PATH (--data FILE.h5 [--split dev|test] | --tsv FILE) [options]\n\n"
      "Runs the checkpoint on every example and writes OUTPUT/evaluation.json, evaluation.md, predictions.tsv\n"
      "and a reliability diagram: accuracy, precision/recall/F1 per class, macro F1, log loss, the K x K\n"
      "confusion matrix, expected calibration error (of the top class), the most confident errors, and accuracy\n"
      "on slices (negation, contrast, length, rare tokens). Any number of classes K (sst-prep --format\n"
      "tsv|jsonl). Unlabeled data (the GLUE test split, label -1) gets predictions.tsv only.\n\nOptions";
  OptionTable t("", "--");
  cli::add_checkpoint_option(t, o.checkpoint);
  t.add("data", o.data, "tokenized dataset from sst-prep (same tokenizer as the run)", {}, Resume::kMayChange,
        "FILE.h5");
  t.add("split", o.split, "split of --data", {}, Resume::kMayChange, enum_choices<EvalSplit>("|"));
  t.add("tsv", o.tsv,
        "GLUE-format TSV (sentence[, label]) instead of --data; for a K-class checkpoint also text/label TSV or a "
        ".jsonl file",
        {}, Resume::kMayChange, "FILE");
  cli::add_output_option(t, o.output);
  t.add("top-k", top_k, "most confident errors to list", at_least(0), Resume::kMayChange, "K");
  t.add("bins", o.settings.bins, "calibration bins", at_least(1), Resume::kMayChange, "B");
  t.add("length-buckets", buckets, "upper bounds (words) of the length slices", {}, Resume::kMayChange, "LIST");
  t.add("rare-threshold", o.rare_threshold,
        "with --data: a token is rare if it occurs fewer than N times in the train split", at_least(1),
        Resume::kMayChange, "N");
  t.add("rare-fraction", o.rare_fraction,
        "without a train split (--tsv): the rarest fraction F of the vocabulary (highest ids) is rare", closed(0, 1),
        Resume::kMayChange, "F");
  cli::add_threads_option(t, o.threads);
  const auto check = [&](const po::variables_map& vm) {
    if (o.data.empty() == o.tsv.empty()) throw po::error("give exactly one of --data and --tsv");
    if (!o.tsv.empty() && !vm["split"].defaulted()) throw po::error("--split applies to --data only");
    o.settings.top_k = static_cast<size_t>(top_k);
    try {
      o.settings.length_bounds = parse_int_list(buckets, "length-buckets");
      length_bucket_labels(o.settings.length_bounds);
    } catch (const UserError& e) {
      throw po::error(std::string("--length-buckets: ") + e.what());
    }
  };
  if (auto exit = cli::parse_subcommand_options("evaluate", argc, argv, usage, t, std::nullopt, check)) return *exit;
  run_evaluate(o, std::cout);
  return 0;
}

}  // namespace sst::analysis::eval
