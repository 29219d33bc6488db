// The model's configuration ([model] in a config file) and its one field table. Every field is listed
// once, in for_each_model_field(), with its help text, accepted range and role; the option table
// (train/config.cpp), model_signature(), the checkpoint's model_config/* entries (train/checkpoint.cpp)
// and the JSON in summary.json and benchmark.json are all generated from it. No torch here.
#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "common/enum_names.h"
#include "common/range.h"

namespace sst {

enum class Pooling { kCls, kMean };       // the [CLS] position, or the mean over real tokens
enum class Position { kLearned, kNone };  // a learned position embedding, or none (a bag of tokens)

template <>
struct EnumNames<Pooling> {
  static constexpr std::array<std::pair<Pooling, const char*>, 2> kNames{
      {{Pooling::kCls, "cls"}, {Pooling::kMean, "mean"}}};
};
template <>
struct EnumNames<Position> {
  static constexpr std::array<std::pair<Position, const char*>, 2> kNames{
      {{Position::kLearned, "learned"}, {Position::kNone, "none"}}};
};

struct ModelConfig {
  int64_t vocab_size = 0;
  int64_t num_classes = 2;  // K: the classifier head's outputs (SST-2: 2)
  int64_t d_model = 128;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t ff_dim = 512;
  int64_t max_len = 64;
  double dropout = 0.1;
  Pooling pooling = Pooling::kCls;
  Position position = Position::kLearned;
  double word_dropout = 0.0;
};

// What the table says about a field besides its value.
struct ModelField {
  const char* name;  // the key in [model] and in model_config/ of a checkpoint
  const char* help;
  Range range;
  bool architecture;  // shapes the weights: part of model_signature (a checkpoint loads only into the same)
  bool option;        // a [model] option (vocab_size comes from the dataset file instead)
  bool since_v1;      // in every checkpoint; later fields read as their default from older checkpoints
  // In model_signature only when it differs from its default, so the models that came before it keep
  // their signature (num_classes: every model was SST-2's two-class one).
  bool signed_unless_default = false;
};

// Calls f(const ModelField&, field) for every field of `m` (ModelConfig or const ModelConfig), in order.
template <typename M, typename F>
void for_each_model_field(M& m, F&& f) {
  f(ModelField{"vocab_size", "vocabulary size, from the dataset file's tokenizer", at_least(1), true, false, true},
    m.vocab_size);
  f(ModelField{"num_classes",
               "classes (the head's outputs), from the dataset file; 2 in checkpoints before it was kept",
               closed(2, 100), true, false, false, true},
    m.num_classes);
  f(ModelField{"d_model", "embedding / residual width", at_least(1), true, true, true}, m.d_model);
  f(ModelField{"layers", "number of encoder layers", at_least(1), true, true, true}, m.layers);
  f(ModelField{"heads", "attention heads per layer (must divide d_model)", at_least(1), true, true, true}, m.heads);
  f(ModelField{"ff_dim", "feed-forward hidden width", at_least(1), true, true, true}, m.ff_dim);
  f(ModelField{"max_len", "max positions incl. [CLS]; longer sentences are truncated and counted", at_least(2), true,
               true, true},
    m.max_len);
  f(ModelField{"dropout", "dropout on embeddings, attention output and feed-forward", half_open(0, 1), false, true,
               true},
    m.dropout);
  f(ModelField{"pooling", "[CLS] position or mean over real tokens", {}, true, true, true}, m.pooling);
  f(ModelField{"position", "learned position embedding, or none (no order information)", {}, true, true, false},
    m.position);
  f(ModelField{"word_dropout",
               "training only: hide each token (not [CLS]) from attention and pooling with this probability",
               half_open(0, 1), false, true, false},
    m.word_dropout);
}

// The architecture fields as "name=value ...": two checkpoints with the same signature hold
// interchangeable weights.
std::string model_signature(const ModelConfig& m);

// Every field, as summary.json's and benchmark.json's "model" object.
nlohmann::json model_json(const ModelConfig& m);

// The number of parameters TransformerClassifier(m) has, from the shapes alone (no torch). A double:
// absurd configs must not overflow before they are refused.
double parameter_count(const ModelConfig& m);

}  // namespace sst
