// An exponential moving average of the model's weights (train.ema_decay), evaluated and kept as
// best.pt in place of the trained weights: a cheap form of checkpoint averaging that smooths out the
// noise of the last optimizer steps.
//   average <- decay * average + (1 - decay) * weights, after every optimizer step.
// The trainer passes decay 0 during warmup, so the average starts from the weights at its end.
// The average is a second model with the same config: it evaluates, saves and loads like one.
#pragma once
#include "model/transformer.h"

namespace sst {

// A copy of `model` (same config, device and weights) in eval mode, to hold the average.
TransformerClassifier make_average(TransformerClassifier& model);

void update_average(TransformerClassifier& average, TransformerClassifier& model, double decay);

}  // namespace sst
