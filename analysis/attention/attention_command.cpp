#include "analysis/attention/attention_command.h"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

#include "analysis/attention/attention_figures.h"
#include "analysis/cli/options.h"
#include "analysis/eval/metrics.h"
#include "analysis/model/model_io.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"
#include "common/text.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::attention {

const char* const kAttentionSummary = "attention heat maps per layer and head, and attention rollout to [CLS]";

namespace {

json matrix_json(const Matrix& m, int T) {
  json rows = json::array();
  for (int q = 0; q < T; ++q) rows.push_back(std::vector<double>(m.begin() + q * T, m.begin() + (q + 1) * T));
  return rows;
}

std::string shorten(const std::string& s) { return s.size() > 70 ? s.substr(0, 67) + "..." : s; }

}  // namespace

json run_attention(const AttentionOptions& o, const model::Classifier& classifier, std::ostream& out) {
  if (o.sentences.empty()) throw UserError("attention: no sentences");
  // The model runs on every sentence before anything is written.
  std::vector<model::AttentionResult> results;
  for (const auto& s : o.sentences) results.push_back(classifier.attention(s));
  const std::vector<std::string> names = eval::display_class_names(classifier.class_names());
  ensure_output_dir(o.output);
  json j{{"checkpoint", o.checkpoint},
         {"rollout",
          "Abnar & Zuidema 2020: per layer, mean over heads + identity, rows renormalized; "
          "R = A_L ... A_1; rollout_to_cls = R[0]"},
         {"sentences", json::array()}};
  for (size_t i = 0; i < results.size(); ++i) {
    const model::AttentionResult& r = results[i];
    const AttentionStack& a = r.attention;
    const Matrix rollout = attention_rollout(a);
    const int label = eval::predicted_label(r.probs);
    const std::string prefix = "sentence_" + std::to_string(i + 1);
    const std::string caption = "\"" + shorten(o.sentences[i]) + "\" -> " + shorten(names[label]) +
                                " (p = " + std::to_string(r.probs[label]).substr(0, 5) + ")";
    json s{{"sentence", o.sentences[i]}, {"ids", r.ids},
           {"pieces", r.pieces},         {"label", label},
           {"name", names[label]},       {"probability", r.probs[label]},
           {"layers", json::array()},    {"figures", json::array()}};
    if (names.size() == 2) s["p_positive"] = r.probs[1];  // two classes only
    for (int l = 0; l < a.layers; ++l) {
      json heads = json::array();
      for (int h = 0; h < a.heads; ++h) heads.push_back(matrix_json(head_weights(a, l, h), a.tokens));
      s["layers"].push_back(heads);
      const std::string stem = prefix + "_layer_" + std::to_string(l + 1);
      write_attention_layer_figure((fs::path(o.output) / stem).string(), r.pieces, a, l,
                                   "layer " + std::to_string(l + 1) + ": " + caption);
      s["figures"].push_back(stem);
    }
    s["rollout"] = matrix_json(rollout, a.tokens);
    s["rollout_to_cls"] = std::vector<double>(rollout.begin(), rollout.begin() + a.tokens);
    const std::string stem = prefix + "_rollout";
    write_rollout_figure((fs::path(o.output) / stem).string(), r.pieces, rollout, caption);
    s["figures"].push_back(stem);
    j["sentences"].push_back(s);
    out << "attention: " << caption << ": " << a.layers << " layers x " << a.heads << " heads over " << a.tokens
        << " tokens\n";
  }
  const std::string path = (fs::path(o.output) / "attention.json").string();
  write_text_atomically(path, j.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
  out << "  wrote " << path << " and figures (.png, .svg) in " << o.output << "\n";
  return j;
}

int attention_main(int argc, char** argv) {
  AttentionOptions o;
  const std::string usage =
      "Usage: sst-analyze attention --checkpoint PATH [--output DIR] SENTENCE ...\n\n"
      "For each SENTENCE: one figure per layer with a heat map per head (queries down, keys across, labelled\n"
      "with the SentencePiece pieces, [CLS] first), and the attention rollout (Abnar & Zuidema 2020) to [CLS].\n"
      "Files: OUTPUT/sentence_<i>_layer_<l>.{png,svg}, sentence_<i>_rollout.{png,svg} and attention.json\n"
      "(pieces, weights per layer and head, rollout).\n\nOptions";
  OptionTable t("", "--");
  cli::add_checkpoint_option(t, o.checkpoint);
  cli::add_output_option(t, o.output);
  cli::add_threads_option(t, o.threads);
  const auto check = [&](const po::variables_map&) {
    if (o.sentences.empty()) throw po::error("give at least one SENTENCE");
    for (size_t i = 0; i < o.sentences.size(); ++i)
      if (text::trim(o.sentences[i]).empty()) throw po::error("sentence " + std::to_string(i + 1) + " is empty");
  };
  if (auto exit = cli::parse_subcommand_options("attention", argc, argv, usage, t,
                                                cli::Positional{"sentence", &o.sentences}, check))
    return *exit;
  const model::Classifier classifier(o.checkpoint, o.threads);
  run_attention(o, classifier, std::cout);
  return 0;
}

}  // namespace sst::analysis::attention
