// `sst-analyze attention`: attention heat maps (one figure per layer, one panel per head, token pieces as
// axis labels) and the attention rollout to [CLS] for each sentence, plus OUTPUT/attention.json with the
// weights themselves.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/model/model_io.h"

namespace sst::analysis::attention {

struct AttentionOptions {
  std::string checkpoint;
  std::vector<std::string> sentences;
  std::string output = "attention_out";
  int threads = 0;
};

// Writes OUTPUT/sentence_<i>_layer_<l>.* and sentence_<i>_rollout.* (i, l from 1) and attention.json;
// returns attention.json's content ("figures" lists the stems per sentence).
nlohmann::json run_attention(const AttentionOptions& o, const model::Classifier& classifier, std::ostream& out);

int attention_main(int argc, char** argv);
extern const char* const kAttentionSummary;

}  // namespace sst::analysis::attention
