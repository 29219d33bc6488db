// The checkpoint's field table (for_each_meta_field): every field survives a write and a read, the
// archive keys stay those of every checkpoint written so far, and a field an older checkpoint lacks
// reads as its default while a field every checkpoint has is required.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "test_support.h"
#include "train/checkpoint.h"

using ::testing::HasSubstr;

namespace {

sst::ModelConfig tiny_model() {
  sst::ModelConfig cfg;
  cfg.vocab_size = 30;
  cfg.num_classes = 3;
  cfg.d_model = 16;
  cfg.layers = 1;
  cfg.heads = 2;
  cfg.ff_dim = 32;
  cfg.max_len = 8;
  return cfg;
}

// TrainState's members are all 8 bytes wide (int64_t or double); the tests rely on it to fill every
// member without naming it, so a member the table forgets cannot hide.
constexpr size_t kWord = sizeof(int64_t);

size_t state_field_count() {
  sst::TrainState s;
  size_t n = 0;
  sst::for_each_state_field(s, [&](const sst::MetaField&, auto&) { ++n; });
  return n;
}

// Word i holds the bits of the double 1000.5 + i: a distinct value, exact both as a double and as
// an int64_t, and the default of no member.
sst::TrainState distinct_state() {
  sst::TrainState s;
  for (size_t i = 0; i < sizeof(s) / kWord; ++i) {
    const double v = 1000.5 + static_cast<double>(i);
    std::memcpy(reinterpret_cast<char*>(&s) + i * kWord, &v, kWord);
  }
  return s;
}

sst::CheckpointMeta distinct_meta() {
  sst::CheckpointMeta m;
  m.state = distinct_state();
  m.model = tiny_model();
  m.config_ini = "[model]\nd_model = 16\n";
  m.tokenizer.model_proto = std::string("\x01\x00proto", 7);
  m.tokenizer.type = "bpe";
  m.tokenizer.vocab_size = 30;
  m.tokenizer.pad_id = 21;
  m.tokenizer.unk_id = 22;
  m.tokenizer.cls_id = 23;
  m.tokenizer.eos_id = 24;
  m.data_schema_version = 5;
  m.class_names = {"negative", "neutral", "positive"};
  m.seed = 0xFEDCBA9876543210ull;  // the high bit set: stored as int64_t, it must keep its bits
  m.world_size = 3;
  return m;
}

std::string write_checkpoint(const sst::test::TempDir& dir, const sst::CheckpointMeta& meta) {
  torch::manual_seed(1);
  sst::TransformerClassifier model(meta.model);
  const std::string path = dir / "c.pt";
  sst::save_checkpoint(path, model, nullptr, meta);
  return path;
}

// The content archive of a checkpoint file with `drop` left out (and `retype`, if given, written as a
// string): what a checkpoint written by an older or a broken build would hold. Only the metadata is
// copied (values and tensors), not the model's sub-archive.
torch::serialize::InputArchive content_without(const std::string& path, const std::string& drop,
                                               const std::string& retype = "") {
  torch::serialize::InputArchive file;
  file.load_from(path, torch::Device(torch::kCPU));
  torch::Tensor bytes;
  file.read("sst/content", bytes, /*is_buffer=*/true);
  bytes = bytes.contiguous();
  torch::serialize::InputArchive content;
  content.load_from(static_cast<const char*>(bytes.data_ptr()), static_cast<size_t>(bytes.numel()));
  torch::serialize::OutputArchive older;
  for (const std::string& key : content.keys()) {
    c10::IValue v;
    if (key == drop || key == "training" || !content.try_read(key, v) || v.isObject()) continue;
    if (key == retype)
      older.write(key, c10::IValue(std::string("not a number")));
    else if (v.isTensor())
      older.write(key, v.toTensor(), /*is_buffer=*/true);
    else
      older.write(key, v);
  }
  std::string out;
  older.save_to([&](const void* data, size_t n) {
    out.append(static_cast<const char*>(data), n);
    return n;
  });
  torch::serialize::InputArchive result;
  result.load_from(out.data(), out.size());
  return result;
}

}  // namespace

TEST(CheckpointFields, EveryTrainStateMemberIsInTheTable) {
  EXPECT_EQ(sizeof(sst::TrainState), state_field_count() * kWord)
      << "a TrainState member is missing from for_each_state_field (or is not 8 bytes wide)";
}

TEST(CheckpointFields, TheArchiveKeysAreThoseOfEveryCheckpointWritten) {
  const sst::CheckpointMeta m;
  std::vector<std::string> keys;
  sst::for_each_meta_field(m, [&](const sst::MetaField& f, const auto&) { keys.emplace_back(f.key); });
  const std::vector<std::string> written = {"meta/step",
                                            "meta/best_dev_loss",
                                            "meta/best_dev_acc",
                                            "meta/best_step",
                                            "meta/evals_without_improvement",
                                            "meta/tokens_processed",
                                            "meta/best_tokens_processed",
                                            "meta/branch_step",
                                            "meta/branch_tokens",
                                            "meta/examples_processed",
                                            "meta/skipped_steps",
                                            "meta/wall_s",
                                            "meta/last_train_loss",
                                            "meta/seed",
                                            "meta/world_size",
                                            "meta/config_ini",
                                            "data/schema_version",
                                            "data/class_names"};
  EXPECT_EQ(keys, written);
}

TEST(CheckpointFields, EveryFieldRoundTrips) {
  sst::test::TempDir dir("ckpt-fields");
  const sst::CheckpointMeta in = distinct_meta();
  const sst::CheckpointMeta out = sst::read_checkpoint_meta(write_checkpoint(dir, in));
  const sst::TrainState defaults;
  for (size_t i = 0; i < sizeof(sst::TrainState) / kWord; ++i) {
    const char* word = reinterpret_cast<const char*>(&in.state) + i * kWord;
    EXPECT_NE(std::memcmp(word, reinterpret_cast<const char*>(&defaults) + i * kWord, kWord), 0) << "word " << i;
    EXPECT_EQ(std::memcmp(word, reinterpret_cast<const char*>(&out.state) + i * kWord, kWord), 0)
        << "TrainState word " << i << " did not survive a write and a read";
  }
  EXPECT_EQ(out.seed, in.seed);
  EXPECT_EQ(out.world_size, in.world_size);
  EXPECT_EQ(out.config_ini, in.config_ini);
  EXPECT_EQ(out.data_schema_version, in.data_schema_version);
  EXPECT_EQ(out.class_names, in.class_names);
  EXPECT_EQ(sst::model_signature(out.model), sst::model_signature(in.model));
  EXPECT_EQ(out.tokenizer.model_proto, in.tokenizer.model_proto);
  int fields = 0;
  sst::dataset::for_each_tokenizer_field(in.tokenizer, [&](const char* name, const auto& want) {
    sst::dataset::for_each_tokenizer_field(out.tokenizer, [&](const char* other, const auto& got) {
      if constexpr (std::is_same_v<decltype(want), decltype(got)>)
        if (std::string(name) == other) {
          EXPECT_EQ(got, want) << "tokenizer " << name;
          ++fields;
        }
    });
  });
  EXPECT_EQ(fields, 6);
}

TEST(CheckpointFields, AFieldAnOlderCheckpointLacksReadsAsItsDefault) {
  sst::test::TempDir dir("ckpt-fields");
  const sst::CheckpointMeta in = distinct_meta();
  const std::string path = write_checkpoint(dir, in);
  const sst::CheckpointMeta defaults;
  sst::for_each_meta_field(defaults, [&](const sst::MetaField& f, const auto& default_value) {
    // Every field, but class_names: its default follows num_classes (below).
    if (f.since_v1 || std::string(f.key) == "data/class_names") return;
    auto older = content_without(path, f.key);
    const sst::CheckpointMeta out = sst::read_archive_meta(older, path);
    bool found = false;
    sst::for_each_meta_field(out, [&](const sst::MetaField& g, const auto& value) {
      using Want = std::decay_t<decltype(default_value)>;
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, Want>) {
        if (std::string(g.key) != f.key) return;
        found = true;
        if constexpr (std::is_floating_point_v<Want>) {
          if (std::isnan(default_value)) {
            EXPECT_TRUE(std::isnan(value)) << f.key;
            return;
          }
        }
        EXPECT_EQ(value, default_value) << f.key;
      }
    });
    EXPECT_TRUE(found) << f.key;
    EXPECT_EQ(out.state.step, in.state.step) << "the other fields are still read";
  });
  // Without recorded names, the classes read as "0" .. "K-1".
  auto no_names = content_without(path, "data/class_names");
  EXPECT_EQ(sst::read_archive_meta(no_names, path).class_names, (std::vector<std::string>{"0", "1", "2"}));
}

TEST(CheckpointFields, TheTokenizerIdsMustBeWhole) {
  sst::test::TempDir dir("ckpt-fields");
  const std::string path = write_checkpoint(dir, distinct_meta());
  auto no_ids = content_without(path, "tokenizer/ids");
  EXPECT_THAT([&] { sst::read_archive_meta(no_ids, path); },
              ::testing::ThrowsMessage<sst::UserError>(HasSubstr("lacks 'tokenizer/ids'")));
  auto no_type = content_without(path, "tokenizer/type");
  EXPECT_THAT([&] { sst::read_archive_meta(no_type, path); },
              ::testing::ThrowsMessage<sst::UserError>(HasSubstr("lacks 'tokenizer/type'")));
}

TEST(CheckpointFields, AFieldEveryCheckpointHasIsRequiredAndTyped) {
  sst::test::TempDir dir("ckpt-fields");
  const std::string path = write_checkpoint(dir, distinct_meta());
  auto no_step = content_without(path, "meta/step");
  EXPECT_THAT([&] { sst::read_archive_meta(no_step, path); },
              ::testing::ThrowsMessage<sst::UserError>(HasSubstr("lacks 'meta/step'")));
  auto bad_wall = content_without(path, "", "meta/wall_s");
  EXPECT_THAT([&] { sst::read_archive_meta(bad_wall, path); },
              ::testing::ThrowsMessage<sst::UserError>(HasSubstr("'meta/wall_s' is not a number")));
}
