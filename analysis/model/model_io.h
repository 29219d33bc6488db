// A trained classifier loaded from an sst-train checkpoint, behind a LibTorch-free interface: the only
// translation unit of sst-analyze that includes LibTorch is model_io.cpp, so everything else (commands,
// metrics, their tests) compiles quickly. Inference reuses the trainer's own pieces: shard::make_batch for
// padding, sst::predict_probabilities for a dataset split, and TransformerClassifier::forward (whose
// attention output comes from the same forward pass as the logits).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/model/outputs.h"
#include "analysis/model/text_tokenizer.h"
#include "dataset/dataset_file.h"

namespace sst::analysis::model {

struct CheckpointInfo {
  std::string path;
  int64_t step = 0;
  int64_t d_model = 0, layers = 0, heads = 0, max_len = 0, vocab_size = 0;
  int64_t params = 0;
  std::string config_ini;  // the run's resolved config
};

// One sentence through the model with its attention weights.
struct AttentionResult {
  std::vector<int32_t> ids;         // [CLS] + tokens, truncated to max_len
  std::vector<std::string> pieces;  // SentencePiece piece of each id ("[CLS]" for the first)
  AttentionStack attention;         // tokens = ids.size()
  Probs probs{};
};

class Classifier {
 public:
  // Loads `checkpoint` on the CPU. threads > 0 sets LibTorch's intra-op threads. Throws UserError.
  explicit Classifier(const std::string& checkpoint, int threads = 0);
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  const CheckpointInfo& info() const { return info_; }
  const dataset::TokenizerInfo& tokenizer_info() const { return tokenizer_info_; }
  const TextTokenizer& tokenizer() const { return *tokenizer_; }
  // The classes the head predicts, in id order (the training data's names; SST-2: "0", "1").
  int num_classes() const { return static_cast<int>(class_names_.size()); }
  const std::vector<std::string>& class_names() const { return class_names_; }
  // Throws UserError naming `what` if data with classes `names` is not labeled as the checkpoint's was.
  void check_same_classes(const std::vector<std::string>& names, const std::string& what) const;

  // Throws UserError naming `what` and both identities if it was tokenized differently from what the
  // checkpoint was trained on (dataset/data_identity.h: the same check sst-train makes on resume).
  void check_same_data(const dataset::DataIdentity& data, const std::string& what) const;

  // P(class) per example; token lists without [CLS] (make_batch adds it and truncates).
  std::vector<Probs> predict(const std::vector<std::vector<int32_t>>& tokens, int64_t batch_size = 128) const;
  std::vector<Probs> predict_text(const std::vector<std::string>& sentences, int64_t batch_size = 128) const;
  // Every example of a split of a dataset file (predict_probabilities over all ids, in order).
  std::vector<Probs> predict_split(const dataset::DatasetFile& file, const std::string& split) const;
  // Attention weights of every layer and head for one sentence (batch of one: no padding).
  AttentionResult attention(const std::string& sentence) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  CheckpointInfo info_;
  dataset::TokenizerInfo tokenizer_info_;
  std::vector<std::string> class_names_;
  dataset::DataIdentity data_identity_;  // of the data the checkpoint was trained on
  std::unique_ptr<TextTokenizer> tokenizer_;
};

}  // namespace sst::analysis::model
