// The model config's one field table: the signature holds exactly the fields that shape the weights,
// and the JSON every field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/config.h"

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ModelConfig, SignatureHoldsTheArchitectureFieldsOnly) {
  sst::ModelConfig a;
  a.vocab_size = 100;
  const std::string sig = sst::model_signature(a);
  EXPECT_EQ(sig, "vocab_size=100 d_model=128 layers=2 heads=4 ff_dim=512 max_len=64 pooling=cls position=learned");
  sst::ModelConfig b = a;
  b.dropout = 0.3;  // regularization: the same weights load
  b.word_dropout = 0.2;
  EXPECT_EQ(sst::model_signature(b), sig);
  b.pooling = sst::Pooling::kMean;  // a different model
  EXPECT_NE(sst::model_signature(b), sig);
}

TEST(ModelConfig, JsonHasEveryFieldWithEnumsByName) {
  sst::ModelConfig m;
  m.position = sst::Position::kNone;
  const auto j = sst::model_json(m);
  int fields = 0;
  sst::for_each_model_field(m, [&](const sst::ModelField& f, const auto&) {
    EXPECT_TRUE(j.contains(f.name)) << f.name;
    ++fields;
  });
  EXPECT_EQ(static_cast<int>(j.size()), fields);
  EXPECT_EQ(j["position"], "none");
  EXPECT_EQ(j["pooling"], "cls");
  EXPECT_EQ(j["d_model"], 128);
}
