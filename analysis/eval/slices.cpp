#include "analysis/eval/slices.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/error.h"

namespace sst::analysis::eval {

const std::vector<std::string> kNegationWords = {"not",    "no",       "never",   "nothing", "nobody",
                                                 "none",   "neither",  "nor",     "without", "hardly",
                                                 "barely", "scarcely", "nowhere", "cannot"};
const std::vector<std::string> kContrastWords = {"but",    "however",      "although",    "though",
                                                 "yet",    "while",        "whereas",     "despite",
                                                 "albeit", "nevertheless", "nonetheless", "notwithstanding"};

std::vector<std::string> words(const std::string& sentence) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (size_t i = 0; i < sentence.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(sentence[i]);
    // U+2019 (right single quote, E2 80 99) is read as an apostrophe: "don’t" counts like "don't".
    if (c == 0xE2 && i + 2 < sentence.size() && static_cast<unsigned char>(sentence[i + 1]) == 0x80 &&
        static_cast<unsigned char>(sentence[i + 2]) == 0x99) {
      cur += '\'';
      i += 2;
    } else if (c == '\'' || std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(std::tolower(c));
    } else {
      flush();
    }
  }
  flush();
  return out;
}

namespace {
bool contains(const std::vector<std::string>& set, const std::string& w) {
  return std::find(set.begin(), set.end(), w) != set.end();
}
bool ends_with_nt(const std::string& w) { return w.size() >= 3 && w.compare(w.size() - 3, 3, "n't") == 0; }
}  // namespace

bool has_negation(const std::string& sentence) {
  for (const auto& w : words(sentence))
    if (contains(kNegationWords, w) || ends_with_nt(w)) return true;
  return false;
}

bool has_contrast(const std::string& sentence) {
  for (const auto& w : words(sentence))
    if (contains(kContrastWords, w)) return true;
  return false;
}

int word_count(const std::string& sentence) {
  std::istringstream in(sentence);
  std::string w;
  int n = 0;
  while (in >> w) ++n;
  return n;
}

namespace {
void check_bounds(const std::vector<int>& b) {
  for (size_t i = 0; i < b.size(); ++i)
    if (b[i] < 1 || (i > 0 && b[i] <= b[i - 1]))
      throw UserError("length bucket bounds must be positive and strictly increasing");
}
}  // namespace

std::vector<std::string> length_bucket_labels(const std::vector<int>& b) {
  check_bounds(b);
  std::vector<std::string> labels;
  int lo = 1;
  for (int hi : b) {
    labels.push_back(std::to_string(lo) + "-" + std::to_string(hi));
    lo = hi + 1;
  }
  labels.push_back(std::to_string(lo) + "+");
  return labels;
}

std::string length_bucket(int words, const std::vector<int>& b) {
  const auto labels = length_bucket_labels(b);
  for (size_t i = 0; i < b.size(); ++i)
    if (words <= b[i]) return labels[i];
  return labels.back();
}

namespace {
RareTokens finish(RareTokens r, int32_t unk_id, const std::vector<int32_t>& special_ids) {
  for (int32_t s : special_ids)
    if (s >= 0 && s < static_cast<int32_t>(r.rare.size())) r.rare[s] = false;
  if (unk_id >= 0 && unk_id < static_cast<int32_t>(r.rare.size())) r.rare[unk_id] = true;
  return r;
}
}  // namespace

RareTokens rare_by_train_frequency(const std::vector<int64_t>& counts, int64_t threshold, int32_t unk_id,
                                   const std::vector<int32_t>& special_ids) {
  RareTokens r;
  r.rare.resize(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) r.rare[i] = counts[i] < threshold;
  r.definition =
      "contains a token occurring fewer than " + std::to_string(threshold) + " times in the training split, or <unk>";
  return finish(std::move(r), unk_id, special_ids);
}

RareTokens rare_by_id_range(int32_t vocab_size, double fraction, int32_t unk_id,
                            const std::vector<int32_t>& special_ids) {
  if (!(fraction >= 0 && fraction <= 1)) throw UserError("the rare id fraction must be in [0, 1]");
  RareTokens r;
  r.rare.assign(std::max(vocab_size, 0), false);
  int32_t first = unk_id + 1;  // regular ids follow the special ones (0-3 in sst-prep's models)
  for (int32_t s : special_ids) first = std::max(first, s + 1);
  const int32_t regular = std::max(vocab_size - first, 0);
  const int32_t cut = vocab_size - static_cast<int32_t>(std::lround(fraction * regular));
  for (int32_t i = std::max(cut, first); i < vocab_size; ++i) r.rare[i] = true;
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "contains a token in the rarest %.0f%% of the SentencePiece vocabulary (ids >= %d of %d), or <unk>",
                fraction * 100, cut, vocab_size);
  r.definition = buf;
  return finish(std::move(r), unk_id, special_ids);
}

std::vector<int64_t> token_counts(const std::vector<int32_t>& tokens, int32_t vocab_size) {
  std::vector<int64_t> counts(std::max(vocab_size, 0), 0);
  for (int32_t t : tokens)
    if (t >= 0 && t < vocab_size) ++counts[t];
  return counts;
}

ExampleFeatures features(const std::string& sentence, const std::vector<int32_t>& tokens, const RareTokens& rare) {
  ExampleFeatures f;
  f.negation = has_negation(sentence);
  f.contrast = has_contrast(sentence);
  f.words = word_count(sentence);
  f.rare = std::any_of(tokens.begin(), tokens.end(), [&](int32_t t) { return rare.is_rare(t); });
  return f;
}

std::vector<SliceStat> slice_stats(const std::vector<ExampleFeatures>& feats, const std::vector<bool>& correct,
                                   const std::vector<int>& length_bounds) {
  if (feats.size() != correct.size()) throw UserError("slices: features and results differ in size");
  std::vector<SliceStat> rows;
  auto add = [&](const std::string& group, const std::string& name, auto&& member) {
    SliceStat s{group, name};
    for (size_t i = 0; i < feats.size(); ++i)
      if (member(feats[i])) {
        ++s.count;
        s.correct += correct[i];
      }
    s.accuracy = s.count ? static_cast<double>(s.correct) / s.count : 0.0;
    rows.push_back(s);
  };
  add("all", "all", [](const ExampleFeatures&) { return true; });
  add("negation", "with negation", [](const ExampleFeatures& f) { return f.negation; });
  add("negation", "without negation", [](const ExampleFeatures& f) { return !f.negation; });
  add("contrast", "with contrast", [](const ExampleFeatures& f) { return f.contrast; });
  add("contrast", "without contrast", [](const ExampleFeatures& f) { return !f.contrast; });
  for (const auto& label : length_bucket_labels(length_bounds))
    add("length", label + " words",
        [&](const ExampleFeatures& f) { return length_bucket(f.words, length_bounds) == label; });
  add("rare_tokens", "with rare tokens", [](const ExampleFeatures& f) { return f.rare; });
  add("rare_tokens", "without rare tokens", [](const ExampleFeatures& f) { return !f.rare; });
  return rows;
}

}  // namespace sst::analysis::eval
