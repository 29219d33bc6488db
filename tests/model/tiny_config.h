// A small ModelConfig for the model tests: the fields that set the shapes, one line at the call site.
#pragma once
#include "model/config.h"

namespace sst::test {

inline ModelConfig tiny_model_config(int64_t vocab, int64_t d_model, int64_t layers, int64_t heads, int64_t ff_dim,
                                     int64_t max_len) {
  ModelConfig c;
  c.vocab_size = vocab;
  c.d_model = d_model;
  c.layers = layers;
  c.heads = heads;
  c.ff_dim = ff_dim;
  c.max_len = max_len;
  return c;
}

}  // namespace sst::test
