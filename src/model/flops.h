// Model FLOPs of training, defined once: sst-train's benchmark.json (model_gflops_per_s, flops_per_token),
// the GPU benchmark's MFU (bench/gpu_report.py reads flops_per_token from there) and the tests.
//
// Per real (non-pad) token, forward + backward: 6 N (N non-embedding weights: 2 FLOPs forward and 4
// backward per weight and token) + 12 L d T_eff (QK^T and AV: 2 d FLOPs each per token, layer and key
// position forward, x3 with backward). T_eff is the token-weighted mean length of the sequences the FLOPs
// are counted over, sum t^2 / sum t, so that tokens x 12 L d T_eff = the sum over sequences of
// 12 L d t^2, the attention work actually done. Pad positions are not model FLOPs.
#pragma once
#include <cstdint>
#include <vector>

namespace sst {

// sum t^2 / sum t over `lengths` (each a sequence's real tokens, [CLS] included); 0 when there are none.
double effective_length(const std::vector<int32_t>& lengths);

// Training FLOPs per real token of a model with `non_embedding_params` weights, `layers` layers of
// width `d_model`, over sequences of effective length `t_eff` (above).
double train_flops_per_token(int64_t non_embedding_params, int64_t layers, int64_t d_model, double t_eff);

}  // namespace sst
