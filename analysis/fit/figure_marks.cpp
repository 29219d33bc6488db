// What the law figures of `sst-analyze fit` mark their points with (see fit_figures.h): the model sizes' colours,
// the data sizes' markers, the runs that share an (N, D) cell (several seeds) and the verdict and law text.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "analysis/fit/fit_figures.h"
#include "analysis/plot/plot.h"

namespace sst::analysis::fit::figure {

Levels::Levels(const std::vector<double>& values) {
  for (const auto& level : group_levels(values)) {
    double log_sum = 0;
    for (size_t i : level) log_sum += std::log(values[i]);
    at.push_back(std::exp(log_sum / static_cast<double>(level.size())));
  }
}

size_t Levels::of(double v) const {
  size_t best = 0;
  for (size_t k = 1; k < at.size(); ++k)
    if (std::abs(std::log(at[k] / v)) < std::abs(std::log(at[best] / v))) best = k;
  return best;
}

int Levels::dash(double d) const {
  const auto it = std::find(keyed.begin(), keyed.end(), of(d));
  return plot::dash(static_cast<size_t>(it - keyed.begin()));
}

void mark_levels(Levels& datas, const std::vector<size_t>& shown) {
  datas.marks.assign(datas.at.size(), plot::marker(0));
  datas.keyed.clear();
  if (datas.at.size() <= kMarked)
    for (size_t k = 0; k < datas.at.size(); ++k) datas.keyed.push_back(k);
  else
    datas.keyed = shown;
  for (size_t p = 0; p < datas.keyed.size(); ++p) datas.marks[datas.keyed[p]] = plot::marker(p);
}

std::string Levels::colour(double n, int alpha) const { return plot::sequential_colour(of(n), at.size(), alpha); }

double rgb_value(const std::string& colour) {
  return static_cast<double>(std::strtoull(colour.c_str() + 1, nullptr, 16));
}

std::vector<SeedCell> seed_cells(const Data& d, const std::vector<size_t>& among) {
  std::vector<SeedCell> cells;
  for (size_t i : among) {
    auto same = [&](const SeedCell& c) {
      return std::abs(d.n[i] / c.n - 1) < 0.02 && std::abs(d.d[i] / c.d - 1) < 0.02;
    };
    auto it = std::find_if(cells.begin(), cells.end(), same);
    if (it == cells.end()) it = cells.insert(cells.end(), SeedCell{d.n[i], d.d[i], 0, 0, {}});
    it->runs.push_back(i);
  }
  for (auto& c : cells) {
    double sum = 0, sq = 0;
    for (size_t i : c.runs) sum += d.loss[i];
    c.mean = sum / static_cast<double>(c.runs.size());
    for (size_t i : c.runs) sq += (d.loss[i] - c.mean) * (d.loss[i] - c.mean);
    c.sd = c.runs.size() > 1 ? std::sqrt(sq / static_cast<double>(c.runs.size() - 1)) : 0;
  }
  return cells;
}

std::string wrap(const std::string& text, size_t width) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) out += line + "\n", line.clear();
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  return out + line;
}

std::string law_text(const FitFigureInput& in) {
  if (!in.law_identified) return wrap("L(N, D) " + esc(in.law_verdict) + ": no law drawn", 100);
  const ScalingLaw& l = in.law;
  const std::string law = "L = E + A/N^{α} + B/D^{β}: E = " + num(l.E) + ", A = " + num(l.A) + ", α = " + num(l.alpha) +
                          ", B = " + num(l.B) + ", β = " + num(l.beta);
  return wrap(law + " (" + esc(in.law_verdict) + ")", 100);
}

std::string approach_text(const std::string& name, const std::string& verdict, bool identified, double exponent) {
  if (!identified) return wrap(name + " " + esc(verdict) + ": no N_{opt}(C) drawn", 100);
  return wrap(name + ": N_{opt} ∝ C^{" + num(exponent) + "} (" + esc(verdict) + ")", 100);
}

std::string size_key(const Levels& sizes, const char* unit) {
  std::vector<std::string> entries;
  for (size_t k = 0; k < sizes.at.size(); ++k)
    entries.push_back("keyentry with points pt 7 ps 1.3 lc rgb '" + plot::sequential_colour(k, sizes.at.size()) +
                      "' title " + plot::quote("N = " + sci(sizes.at[k]) + unit));
  std::string s;
  for (const auto& e : entries) s += (s.empty() ? "" : ", \\\n     ") + e;
  return s;
}

std::string data_key(const Levels& datas, const char* unit, bool lines) {
  std::string s;
  for (size_t p = 0; p < datas.keyed.size(); ++p) {
    const size_t k = datas.keyed[p];
    const std::string style = lines ? "linespoints dt " + std::to_string(plot::dash(p)) + " lw 1.5 lc rgb '#555555'"
                                    : std::string("points lc rgb 'black'");
    s += (s.empty() ? "" : ", \\\n     ") + ("keyentry with " + style + " pt " + std::to_string(datas.marks[k]) +
                                             " ps 1.3 title " + plot::quote("D = " + sci(datas.at[k]) + unit));
  }
  return s;
}

}  // namespace sst::analysis::fit::figure
