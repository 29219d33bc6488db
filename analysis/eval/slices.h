// Slices of an evaluation set (no LibTorch): which examples contain negation, contrast or rare tokens,
// and how long they are, so `evaluate` can report accuracy per slice.
//
// Words: the lowercased sentence split on whitespace and on punctuation other than the apostrophe
// (GLUE's SST-2 text is already tokenized: "it 's not funny", "does n't work").
//   negation: a word in kNegationWords, or a word ending in "n't" ("n't", "don't", "isn't").
//   contrast: a word in kContrastWords. "while" and "yet" are also temporal ("while watching",
//             "not yet"); they are kept because in movie reviews they mostly contrast, at the cost of
//             some false positives.
//   length:   the number of whitespace-separated words, bucketed by upper bounds (e.g. 10,20,30 gives
//             1-10, 11-20, 21-30, 31+).
//   rare:     the example has at least one SentencePiece token marked rare by RareTokens (below).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sst::analysis::eval {

extern const std::vector<std::string> kNegationWords;
extern const std::vector<std::string> kContrastWords;

std::vector<std::string> words(const std::string& sentence);
bool has_negation(const std::string& sentence);
bool has_contrast(const std::string& sentence);
int word_count(const std::string& sentence);

// Bucket label for a word count given increasing upper bounds: {10,20,30} -> "1-10","11-20","21-30","31+".
// Throws UserError if the bounds are not positive and strictly increasing.
std::string length_bucket(int words, const std::vector<int>& upper_bounds);
std::vector<std::string> length_bucket_labels(const std::vector<int>& upper_bounds);

// Which token ids count as rare. Two definitions, picked by what is available:
//   by_train_frequency: ids occurring fewer than `threshold` times in the training split (ids that never
//     occur there included). Used when the training split is at hand.
//   by_id_range: the top `fraction` of the regular ids. SentencePiece numbers pieces by decreasing score
//     (unigram: log-probability; BPE: merge order), so the highest ids are the rarest pieces.
// In both, <unk> is always rare (out-of-vocabulary text) and the other special ids never are.
struct RareTokens {
  std::vector<bool> rare;  // indexed by token id
  std::string definition;  // one sentence for the outputs
  bool is_rare(int32_t id) const { return id < 0 || id >= static_cast<int32_t>(rare.size()) || rare[id]; }
};
RareTokens rare_by_train_frequency(const std::vector<int64_t>& train_counts, int64_t threshold, int32_t unk_id,
                                   const std::vector<int32_t>& special_ids);
RareTokens rare_by_id_range(int32_t vocab_size, double fraction, int32_t unk_id,
                            const std::vector<int32_t>& special_ids);
// Occurrences of each id in a token stream (ids outside [0, vocab_size) are ignored).
std::vector<int64_t> token_counts(const std::vector<int32_t>& tokens, int32_t vocab_size);

struct ExampleFeatures {
  bool negation = false;
  bool contrast = false;
  bool rare = false;
  int words = 0;
};
ExampleFeatures features(const std::string& sentence, const std::vector<int32_t>& tokens, const RareTokens& rare);

struct SliceStat {
  std::string group;  // "all", "negation", "contrast", "length", "rare_tokens"
  std::string name;   // e.g. "with negation", "11-20 words"
  int64_t count = 0;
  int64_t correct = 0;
  double accuracy = 0;  // 0 for an empty slice (count says so)
};
// One row per slice: all; with/without negation; with/without contrast; each length bucket; with/without
// rare tokens. `correct[i]` says whether example i was classified correctly.
std::vector<SliceStat> slice_stats(const std::vector<ExampleFeatures>& feats, const std::vector<bool>& correct,
                                   const std::vector<int>& length_bounds);

}  // namespace sst::analysis::eval
