// The figures of `attention` (and `report`), drawn through plot/plot.h (no LibTorch). Each function writes
// STEM.{dat,gp,png,svg} and throws sst::UserError if gnuplot is missing or fails.
#pragma once
#include <string>
#include <vector>

#include "analysis/attention/rollout.h"

namespace sst::analysis::attention {

// One heat map per head of layer `layer` (queries down, keys across, token pieces as tick labels).
void write_attention_layer_figure(const std::string& stem, const std::vector<std::string>& pieces,
                                  const AttentionStack& a, int layer, const std::string& title);

// The attention rollout: [CLS]'s row as bars over the tokens, and the whole rollout matrix.
void write_rollout_figure(const std::string& stem, const std::vector<std::string>& pieces, const Matrix& rollout,
                          const std::string& title);

}  // namespace sst::analysis::attention
