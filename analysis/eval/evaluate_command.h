// `sst-analyze evaluate`: a checkpoint on a dataset split (HDF5 from sst-prep) or a GLUE-format TSV.
// Writes OUTPUT/evaluation.json, evaluation.md, predictions.tsv and the reliability diagram
// (reliability.{png,svg,dat,gp}). An unlabeled input (the GLUE test split) gets predictions only.
#pragma once
#include <array>
#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/eval/evaluation.h"
#include "analysis/model/model_io.h"
#include "common/enum_names.h"

namespace sst::analysis::eval {

// The split of a dataset file that --split names: dev (labeled) or test (GLUE's is unlabeled).
enum class EvalSplit { kDev, kTest };

}  // namespace sst::analysis::eval

namespace sst {
template <>
struct EnumNames<analysis::eval::EvalSplit> {
  static constexpr std::array<std::pair<analysis::eval::EvalSplit, const char*>, 2> kNames{
      {{analysis::eval::EvalSplit::kDev, "dev"}, {analysis::eval::EvalSplit::kTest, "test"}}};
};
}  // namespace sst

namespace sst::analysis::eval {

struct EvaluateOptions {
  std::string checkpoint;
  std::string data;  // FILE.h5 (with split), or
  EvalSplit split = EvalSplit::kDev;
  std::string tsv;  // a TSV file, tokenized with the checkpoint's tokenizer
  std::string output = "evaluation_out";
  EvaluationSettings settings;
  int64_t rare_threshold = 5;  // train-frequency definition of a rare token (when a train split is at hand)
  double rare_fraction = 0.2;  // id-range definition otherwise
  int threads = 0;
};

// Evaluates with an already loaded model (report shares it with attention); returns evaluation.json.
Evaluation run_evaluate(const EvaluateOptions& o, const model::Classifier& classifier, std::ostream& out);
Evaluation run_evaluate(const EvaluateOptions& o, std::ostream& out);

int evaluate_main(int argc, char** argv);
extern const char* const kEvaluateSummary;

// "10,20,30" -> {10,20,30}; throws UserError naming `option` on a bad list.
std::vector<int> parse_int_list(const std::string& s, const std::string& option);

}  // namespace sst::analysis::eval
