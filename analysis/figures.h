// The figures of evaluate, attention and curves, drawn through plot.h (no LibTorch). Each function writes
// STEM.{dat,gp,png,svg} and throws sst::UserError if gnuplot is missing or fails.
#pragma once
#include <string>
#include <vector>

#include "metrics.h"
#include "rollout.h"
#include "runs.h"

namespace sst::analysis {

// Reliability diagram: accuracy per confidence bin against the diagonal, mean confidence per bin, and
// the number of examples per bin underneath.
void write_reliability_plot(const std::string& stem, const Calibration& c);

// Training loss, dev loss and dev accuracy of every run (one colour per run, legend = run name), in
// DIR/curves_steps (x = optimizer step) and DIR/curves_tokens (x = tokens processed). Returns the stems
// written, relative to DIR.
std::vector<std::string> write_curves(const std::string& dir, const std::vector<Run>& runs);

// One heat map per head of layer `layer` (queries down, keys across, token pieces as tick labels).
void write_attention_layer_plot(const std::string& stem, const std::vector<std::string>& pieces,
                                const AttentionStack& a, int layer, const std::string& title);

// The attention rollout: [CLS]'s row as bars over the tokens, and the whole rollout matrix.
void write_rollout_plot(const std::string& stem, const std::vector<std::string>& pieces, const Matrix& rollout,
                        const std::string& title);

}  // namespace sst::analysis
