// A tiny gnuplot driver shared by every sst-analyze subcommand that draws figures.
//
// One figure = one output stem (e.g. "fit_out/isoflop"). render() writes, next to each other:
//   stem.dat  the data (gnuplot data blocks; see DataFile)
//   stem.gp   a self-contained script that draws the figure twice: pngcairo -> stem.png, svg -> stem.svg
// and runs `gnuplot stem.gp` in the stem's directory. The .dat and .gp are kept so users can restyle a
// figure and rerun gnuplot by hand; the script only uses file names relative to its own directory.
#pragma once
#include <string>
#include <vector>

namespace sst::analysis::plot {

// Builds the contents of a .dat file made of several data blocks. gnuplot addresses block k (0-based, in
// the order they were added) with `index k`; the helper returns k so scripts never hard-code it.
class DataFile {
 public:
  // Adds a block: a "# title" comment, a "# col1 col2 ..." header comment, then one row per line.
  // Non-finite values are written as NaN, which gnuplot skips.
  int add_block(const std::string& title, const std::vector<std::string>& columns,
                const std::vector<std::vector<double>>& rows);
  int blocks() const { return blocks_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  int blocks_ = 0;
};

// gnuplot commands for a log axis over [lo, hi] (a small margin added), minor tics always: every decade
// labelled 10^k when it spans three or more; 1, 2 and 5 of each decade labelled when it spans one to three;
// otherwise labelled tics at round values (1, 1.5, 2, 3, 4, 5, 7 ...), or, where fewer than three of those
// fall in the range, evenly spaced ones (0.40, 0.42, 0.44), so that a narrow range is still readable.
// Decade tics start at a power of 10 (gnuplot would start them at the range's low end). `axis` is "x" or
// "y"; the format assumes enhanced text (use noenhanced-safe '%g' inside).
std::string log_axis(const char* axis, double lo, double hi);

// A colour for series `i` of `n`, as gnuplot's "#RRGGBB" (or "#AARRGGBB" with `alpha` = 0..255 of
// transparency, for faint raw data behind a smoothed line). Up to 10 series: Paul Tol's "muted"
// qualitative scheme plus grey, designed to stay distinct (also for colour-blind readers); more: evenly
// spaced hues at alternating lightness, so no two series share a colour.
std::string series_colour(size_t i, size_t n, int alpha = 0);

// A colour for level `i` of `n` ordered levels (model sizes, small to large): one sequential palette, light
// to dark (viridis, from its light green to its dark violet; its yellow end is left out, unreadable on white),
// so the order of the sizes reads off the colours. `alpha` as for series_colour.
std::string sequential_colour(size_t i, size_t n, int alpha = 0);

// gnuplot point types (filled circle, square, triangle, diamond, inverted triangle, then open ones) and dash
// types for level `k` of a second variable (data sizes), so that colour can carry the first.
int marker(size_t k);
int dash(size_t k);

// Quotes `s` as a gnuplot single-quoted string literal (doubling embedded single quotes).
std::string quote(const std::string& s);

// Figure size in pixels (the SVG uses the same nominal size).
struct RenderOptions {
  int width = 1000;
  int height = 700;
  std::string font = "sans,11";
};

// Writes stem.dat (from `data`) and stem.gp, then runs gnuplot to produce stem.png and stem.svg.
// `body` is the plotting part of the script (titles, labels, axes, plot commands). Before it the script
// sets the terminal and output and defines the gnuplot variable `datafile` holding the .dat file name,
// so the body refers to data as `datafile index 0 using 1:2 ...`. The body is emitted once per terminal.
// All four files or none: they are written to temporaries next to their final names (gnuplot is told
// them with -e) and renamed only once both figures are complete, so neither a failure, a full disk nor
// a link planted at one of the names (refused before anything is written) leaves a cut or mismatched
// figure. Throws sst::UserError if a file cannot be written, gnuplot is not on PATH, or gnuplot fails
// (its stderr is quoted in the message).
void render(const std::string& stem, const std::string& data, const std::string& body,
            const RenderOptions& options = {});

// True if a `gnuplot` executable is found on PATH (callers may skip figures with a note instead).
bool gnuplot_available();

}  // namespace sst::analysis::plot
