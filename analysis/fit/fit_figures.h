// The figures of `sst-analyze fit` (drawn through plot/plot.h), every law on log-log axes with its bootstrap
// band, keys outside the data, model sizes N in one sequential palette (light to dark) and data sizes D by
// marker (and dash), runs that share (N, D) (several seeds) as their mean with a ±1 s.d. bar over the faint
// seeds, and the verdict (with the fitted law when identified, its reasons otherwise) written on each:
//   loss_vs_params, loss_vs_tokens  the runs per level of the other variable, the fitted law along each level
//                                   with its band, held-out runs marked
//   residuals                       log L - log L_fit against N and against D (fitted, excluded, held out)
//   isoflop                         approach 2: the runs of each budget, its parabola in log N, the minima
//   isoflop_law                     the IsoFLOP profiles the parametric law implies, with their minima
//   envelope                        approach 1: every run's dev loss against compute, the lower envelope
//   compute_optimal                 N_opt(C) and D_opt(C) of every identified approach (the parametric one with
//                                   its band), the runs at their compute, and the runs on the frontier
// A law whose verdict is "not identified" is never drawn; the axes span the data and what is drawn.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/fit/approaches.h"
#include "analysis/fit/kaplan.h"
#include "analysis/fit/scaling_fit.h"

namespace sst::analysis::fit {

struct FitFigureInput {
  Data data;      // the points that were fitted
  Data excluded;  // left out by --exclude-top-k
  Data held;      // --holdout runs
  ScalingLaw law;
  std::vector<ScalingLaw> boot;  // bootstrap laws (the bands); may be empty
  double level = 0.9;
  std::optional<KaplanLaw> kaplan;
  std::vector<IsoflopProfile> profiles;   // of the parametric law
  std::vector<BudgetPrediction> budgets;  // --budget predictions
  std::vector<Curve> curves;              // approach 1 (empty: no envelope figure)
  EnvelopeResult envelope;
  Data iso_points;                        // the runs approach 2 indexes (iso.budgets[k].runs)
  IsoflopResult iso;                      // approach 2 (no budgets: no isoflop figure)
  std::string n_name, d_name, loss_name;  // column names, for axis labels
  // The verdicts: a law that is not identified is not drawn (its runs still are).
  bool law_identified = true, kaplan_identified = true, envelope_identified = true, iso_identified = true;
  // Each verdict's line ("weakly identified: reason; ..."), written on the figures.
  std::string law_verdict = "identified", envelope_verdict = "identified", iso_verdict = "identified";
};

// Writes DIR/STEM.{dat,gp,png,svg} for each figure that has data; returns the stems written (relative to
// DIR). Throws sst::UserError if gnuplot is missing or fails.
std::vector<std::string> write_fit_figures(const std::string& dir, const FitFigureInput& in);

// ---- shared by the figure files ----
namespace figure {
constexpr int kFaintSeed = 0xB0;        // the transparency (gnuplot's alpha byte) of a seed drawn behind its mean
constexpr double kDodge = 1.035;        // the factor along a log x between two series' points at one x
std::string esc(const std::string& s);  // gnuplot enhanced-text specials escaped (best_dev_loss)
std::string sci(double v);              // "2.5×10^{8}"
std::string num(double v);              // %.3g
std::string log_axis(const char* axis);
// A log axis over [lo, hi] (a little margin added) with readable tics even within one decade.
std::string log_range_axis(const char* axis, double lo, double hi);
std::string style();                             // grid, key outside right, border
std::vector<size_t> pick(size_t n, size_t max);  // at most `max` of n, spread, first and last included
// The law's bootstrap band at each (n, d): the (1 - level)/2 and 1 - (1 - level)/2 percentiles.
std::pair<double, double> band(const std::vector<ScalingLaw>& boot, double level, double n, double d);
std::vector<double> log_space(double lo, double hi, int count);
std::string plot_command(const std::vector<std::string>& series);  // "plot a, \ b\n"

// The levels of one variable (values within 2% are one level), ascending, each at its geometric mean.
struct Levels {
  std::vector<double> at;
  // As data sizes: the marker of each level and the levels the key lists (the k-th with plot::dash(k)).
  std::vector<int> marks;
  std::vector<size_t> keyed;
  explicit Levels(const std::vector<double>& values);
  size_t of(double v) const;                          // the level nearest to v (in log)
  std::string colour(double n, int alpha = 0) const;  // plot::sequential_colour of that level
  int marker(double d) const { return marks.empty() ? 7 : marks[of(d)]; }
  int dash(double d) const;  // plot::dash of its place among `keyed`
};
// Up to kMarked levels each get a marker of their own, all keyed; more (a budget sweep's nearly continuous
// D, which the axis carries) are filled circles, except those `shown` as series, keyed with their own.
constexpr size_t kMarked = 8;
void mark_levels(Levels& datas, const std::vector<size_t>& shown);
double rgb_value(const std::string& colour);  // "#RRGGBB" or "#AARRGGBB" as the number `lc rgb variable` reads
// The runs among `among` that share N and D (within 2%): several seeds of one configuration.
struct SeedCell {
  double n, d, mean, sd;  // sd: the sample standard deviation of the loss (0 for one run)
  std::vector<size_t> runs;
};
std::vector<SeedCell> seed_cells(const Data& d, const std::vector<size_t>& among);
std::string wrap(const std::string& text, size_t width);  // words in lines of at most `width`, joined by newlines
// The parametric law and its verdict ("L = E + A/N^α + B/D^β: E = ..., (identified)"); for a law that is not
// identified the verdict and its reasons only, never a number.
std::string law_text(const FitFigureInput& in);
// One approach's verdict, with its N_opt exponent only when identified.
std::string approach_text(const std::string& name, const std::string& verdict, bool identified, double exponent);
// Key entries (gnuplot keyentry) for the sizes' colours, the data sizes' markers (with their dashes: `lines`).
std::string size_key(const Levels& sizes, const char* unit);
std::string data_key(const Levels& datas, const char* unit, bool lines);  // "" when none is keyed
}  // namespace figure

std::string write_law_figure(const std::string& dir, const std::string& stem, const FitFigureInput& in, bool along_n);
std::string write_residual_figure(const std::string& dir, const FitFigureInput& in);
std::string write_law_isoflop_figure(const std::string& dir, const FitFigureInput& in);
std::string write_isoflop_figure(const std::string& dir, const FitFigureInput& in);
std::string write_envelope_figure(const std::string& dir, const FitFigureInput& in);
std::string write_frontier_figure(const std::string& dir, const FitFigureInput& in);

}  // namespace sst::analysis::fit
