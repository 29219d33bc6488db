// gnuplot driver: writes stem.dat / stem.gp and runs gnuplot as a child process (see plot.h).
#include "analysis/plot/plot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/files.h"

namespace fs = std::filesystem;

namespace sst::analysis::plot {
namespace {

// %.10g keeps enough digits for log axes spanning many decades without bloating the files.
std::string format_value(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) return candidate.string();
  }
  return {};
}

// The terminal preamble for one output (named by the gnuplot variable `output_var`); the body follows it.
std::string terminal_block(const std::string& terminal, const std::string& output_var, const RenderOptions& o) {
  std::ostringstream s;
  s << "set terminal " << terminal << " size " << o.width << "," << o.height << " enhanced font " << quote(o.font);
  // The SVG terminal defaults to a transparent background, unreadable in dark-mode viewers.
  if (terminal == "svg") s << " background rgb 'white'";
  s << "\nset output " << output_var << "\n";
  return s.str();
}

// Runs `gnuplot -e setup script` with `dir` as working directory; returns exit status and captured output.
int run_gnuplot(const std::string& gnuplot, const std::string& dir, const std::string& setup, const std::string& script,
                std::string& output) {
  int fds[2];
  if (::pipe(fds) != 0) throw UserError(std::string("cannot create a pipe for gnuplot: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw UserError(std::string("cannot start gnuplot: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execl(gnuplot.c_str(), "gnuplot", "-e", setup.c_str(), script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      output.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Whether gnuplot finished `path` (a PNG ends with its IEND chunk, an SVG with </svg>): gnuplot does not
// always fail when a write fails (a full disk), and a cut figure must never get its final name.
bool figure_complete(const std::string& path, const std::string& terminal) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size == 0) return false;
  std::ifstream in(path, std::ios::binary);
  const std::streamoff tail = static_cast<std::streamoff>(std::min<uintmax_t>(size, 64));
  in.seekg(-tail, std::ios::end);
  std::string end(static_cast<size_t>(tail), '\0');
  in.read(end.data(), tail);
  if (!in) return false;
  if (terminal == "svg") {
    while (!end.empty() && std::isspace(static_cast<unsigned char>(end.back()))) end.pop_back();
    return end.size() >= 6 && end.compare(end.size() - 6, 6, "</svg>") == 0;
  }
  return end.size() >= 8 && end.compare(end.size() - 8, 4, "IEND") == 0;
}

// One of a figure's four files (.dat, .gp, .png, .svg): written to `tmp`, a fresh file of ours next to
// `final`, and renamed over `final` with the other three only once all four are complete.
struct Output {
  const char* terminal;  // "" for the data and the script
  const char* variable;  // the script's variable naming it ("" for the script itself)
  std::string final, tmp;
};

void write_whole(const Output& o, const std::string& text) {
  create_fresh_file(o.tmp);
  CheckedFile out(o.tmp, o.final);
  out.write(text.data(), text.size());
  out.finish();
}

// Writes the data and the script, runs gnuplot on them with every name redirected to the temporaries
// (gnuplot -e), checks the figures and renames all four; on any failure the temporaries are removed and
// none of the four files changes: a figure is all or nothing.
void draw(const fs::path& dir, std::vector<Output>& files, const std::string& data, const std::string& script) {
  std::string gnuplot = find_on_path("gnuplot");
  if (gnuplot.empty()) throw UserError("gnuplot not found on PATH (install gnuplot-nox)");
  std::string setup;
  for (const auto& f : files)
    if (*f.variable) setup += std::string(f.variable) + " = " + quote(fs::path(f.tmp).filename().string()) + "; ";
  try {
    write_whole(files[0], data);
    write_whole(files[1], script);
    for (size_t i = 2; i < files.size(); ++i) create_fresh_file(files[i].tmp);
    std::string output;
    const int rc = run_gnuplot(gnuplot, dir.string(), setup, fs::path(files[1].tmp).filename().string(), output);
    if (rc != 0)
      throw UserError("gnuplot failed on " + files[1].final + " (exit " + std::to_string(rc) +
                      "): " + one_line(output));
    for (size_t i = 2; i < files.size(); ++i) {
      const Output& f = files[i];
      if (!figure_complete(f.tmp, f.terminal))
        throw UserError("gnuplot did not finish " + f.final + " (cut short or empty: a full disk, or no " + f.terminal +
                        " terminal?)" + (output.empty() ? "" : ": " + one_line(output)));
      if (!fsync_path(f.tmp)) throw UserError("cannot write " + f.final + ": " + write_error_text(errno, f.tmp));
    }
    for (const auto& f : files) {
      std::error_code ec;
      fs::rename(f.tmp, f.final, ec);
      if (ec) throw UserError("cannot rename " + f.tmp + " to " + f.final + ": " + ec.message());
    }
  } catch (...) {
    std::error_code ec;
    for (const auto& f : files) fs::remove(f.tmp, ec);
    throw;
  }
}

// gnuplot's colour text: "#RRGGBB", or "#AARRGGBB" with a transparency alpha in 1..255 (0: opaque).
std::string hex_colour(unsigned rgb, int alpha) {
  char buf[16];
  if (alpha > 0)
    std::snprintf(buf, sizeof buf, "#%02X%06X", std::clamp(alpha, 0, 255), rgb);
  else
    std::snprintf(buf, sizeof buf, "#%06X", rgb);
  return buf;
}

}  // namespace

std::string series_colour(size_t i, size_t n, int alpha) {
  // Tol's muted scheme (https://personal.sron.nl/~pault/), in its published order, then grey.
  static const unsigned kMuted[] = {0x332288, 0x88CCEE, 0x44AA99, 0x117733, 0x999933,
                                    0xDDCC77, 0xCC6677, 0x882255, 0xAA4499, 0x777777};
  unsigned rgb = 0;
  if (n <= std::size(kMuted)) {
    rgb = kMuted[i % std::size(kMuted)];
  } else {  // HSV hue steps, value alternating 0.85 / 0.55, saturation 0.75
    const double h = 6.0 * static_cast<double>(i) / static_cast<double>(n), v = i % 2 ? 0.55 : 0.85, c = 0.75 * v;
    const double x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1)), m = v - c;
    double r = 0, g = 0, b = 0;
    const int sector = static_cast<int>(h) % 6;
    const double rs[] = {c, x, 0, 0, x, c}, gs[] = {x, c, c, x, 0, 0}, bs[] = {0, 0, x, c, c, x};
    r = rs[sector], g = gs[sector], b = bs[sector];
    auto byte = [&](double u) { return static_cast<unsigned>(std::lround(255 * (u + m))); };
    rgb = byte(r) << 16 | byte(g) << 8 | byte(b);
  }
  return hex_colour(rgb, alpha);
}

std::string sequential_colour(size_t i, size_t n, int alpha) {
  // Viridis at t = 0, 0.125, ... 1 (dark violet to yellow); levels run from t = 0.85 (light) to t = 0 (dark).
  static const unsigned kViridis[] = {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C,
                                      0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725};
  const double t = n <= 1 ? 0.4 : 0.85 * (1 - static_cast<double>(i) / static_cast<double>(n - 1));
  const double pos = std::clamp(t, 0.0, 1.0) * (std::size(kViridis) - 1);
  const size_t k = std::min(static_cast<size_t>(pos), std::size(kViridis) - 2);
  const double f = pos - static_cast<double>(k);
  unsigned rgb = 0;
  for (int shift : {16, 8, 0}) {
    const double a = (kViridis[k] >> shift) & 0xFF, b = (kViridis[k + 1] >> shift) & 0xFF;
    rgb |= static_cast<unsigned>(std::lround(a + f * (b - a))) << shift;
  }
  return hex_colour(rgb, alpha);
}

int marker(size_t k) {
  static const int kTypes[] = {7, 5, 9, 13, 11, 6, 4, 8, 12, 10, 1, 2, 3};
  return kTypes[k % std::size(kTypes)];
}

int dash(size_t k) { return static_cast<int>(k % 5) + 1; }

std::string log_axis(const char* axis, double lo, double hi) {
  if (!(lo > 0) || !(hi >= lo)) return std::string("set logscale ") + axis + " 10\n";
  lo /= 1.04, hi *= 1.04;
  const std::string a = axis;
  const std::string range = "set logscale " + a + " 10\nset " + a + "range [" + num(lo) + ":" + num(hi) + "]\n";
  // Three decades or more: each decade labelled, minor tics at 2..9 of each.
  // Major tics every factor 10 from a power of 10: with an explicit range and no start, gnuplot starts them at
  // the range's low end (179, 1790, ...), and '10^{%L}' would label those as 10^2, 10^3.
  const std::string decades = "set " + a + "tics " + num(std::pow(10.0, std::floor(std::log10(lo)))) + ", 10\n";
  if (hi / lo >= 1000) return range + "set format " + a + " '10^{%L}'\n" + decades + "set m" + a + "tics 10\n";
  if (hi / lo >= 10) {  // one to three decades: 1, 2 and 5 of each decade labelled, minor tics between
    std::string adds;
    for (int e = static_cast<int>(std::floor(std::log10(lo))); e <= static_cast<int>(std::ceil(std::log10(hi))); ++e)
      for (double m : {2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (v >= lo && v <= hi) adds += (adds.empty() ? "" : ", ") + num(v);
      }
    const bool plain = lo >= 1e-3 && hi <= 1e5;  // 0.002 ... 50000 read better as plain numbers
    return range + "set format " + a + (plain ? " '%g'" : " '%.0t×10^{%T}'") + "\n" + decades +
           (adds.empty() ? "" : "set " + a + "tics add (" + adds + ")\n") + "set m" + a + "tics 10\n";
  }
  // Within a decade, labelled tics at round values (1-1.5-2-3-4-5-7 steps, thinned to at most ~8).
  static const double kMantissas[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8};
  std::vector<double> tics;
  for (int e = static_cast<int>(std::floor(std::log10(lo))); e <= static_cast<int>(std::ceil(std::log10(hi))); ++e)
    for (double m : kMantissas) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo && v <= hi) tics.push_back(v);
    }
  if (tics.size() < 3) {  // a narrow range (0.40 ... 0.46): evenly spaced round values, 1, 2 or 5 x 10^k apart
    const double raw = (hi - lo) / 4, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : 5 * mag;
    tics.clear();
    for (double v = std::ceil(lo / step) * step; v <= hi; v += step) tics.push_back(std::round(v / step) * step);
  }
  std::string list;
  const size_t step = tics.size() > 8 ? (tics.size() + 7) / 8 : 1;
  for (size_t i = 0; i < tics.size(); i += step) list += (list.empty() ? "" : ", ") + num(tics[i]);
  std::string out = std::string("set logscale ") + axis + " 10\nset format " + axis + " '%g'\nset " + axis + "range [" +
                    num(lo) + ":" + num(hi) + "]\n";
  if (!list.empty()) out += std::string("set ") + axis + "tics (" + list + ")\nset m" + axis + "tics 5\n";
  return out;
}

int DataFile::add_block(const std::string& title, const std::vector<std::string>& columns,
                        const std::vector<std::vector<double>>& rows) {
  // gnuplot separates `index` blocks by two blank lines.
  if (blocks_ > 0) text_ += "\n\n";
  text_ += "# [" + std::to_string(blocks_) + "] " + title + "\n#";
  for (const auto& c : columns) text_ += " " + c;
  text_ += '\n';
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) text_ += ' ';
      text_ += format_value(row[i]);
    }
    text_ += '\n';
  }
  // An empty block would make gnuplot fail ("no data"); a lone NaN row keeps it a valid, empty series.
  if (rows.empty()) {
    for (size_t i = 0; i < columns.size(); ++i) text_ += i ? " NaN" : "NaN";
    text_ += '\n';
  }
  return blocks_++;
}

std::string quote(const std::string& s) {
  // Single quotes take everything literally, but gnuplot draws the tic label '''' (one apostrophe, a
  // SentencePiece piece) as nothing: text with an apostrophe goes in double quotes, escaped.
  // A line break needs double quotes too (gnuplot reads "\n" only there).
  if (s.find_first_of("'\n") == std::string::npos) return "'" + s + "'";
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool gnuplot_available() { return !find_on_path("gnuplot").empty(); }

void render(const std::string& stem, const std::string& data, const std::string& body, const RenderOptions& options) {
  fs::path stem_path(stem);
  fs::path dir = stem_path.has_parent_path() ? stem_path.parent_path() : fs::path(".");
  std::string base = stem_path.filename().string();
  if (base.empty()) throw UserError("plot output stem '" + stem + "' has no file name");
  auto at = [&](const char* ext) { return (dir / (base + ext)).string(); };
  std::vector<Output> files = {{"", "datafile", at(".dat"), ""},
                               {"", "", at(".gp"), ""},
                               {"pngcairo", "png_output", at(".png"), ""},
                               {"svg", "svg_output", at(".svg"), ""}};
  // Before anything is written: a link at any of the four names refuses the figure.
  for (auto& f : files) {
    refuse_symlink(f.final);
    f.tmp = temporary_path(f.final);
  }
  // The kept script reads and draws the final names when run by hand; render() passes the temporaries.
  std::ostringstream script;
  script << "# " << base << ".gp: generated by sst-analyze. Edit and rerun `gnuplot " << base
         << ".gp` in this directory\n# to restyle; it redraws " << base << ".png and " << base << ".svg.\n";
  for (const auto& f : files)
    if (*f.variable)
      script << "if (!exists(\"" << f.variable << "\")) " << f.variable << " = "
             << quote(fs::path(f.final).filename().string()) << "\n";
  for (size_t i = 2; i < files.size(); ++i) {
    // `reset` keeps the two copies independent of whatever the first one changed.
    script << "\nreset\n" << terminal_block(files[i].terminal, files[i].variable, options) << body;
    if (!body.empty() && body.back() != '\n') script << '\n';
    script << "unset output\n";
  }
  draw(dir, files, data, script.str());
}

}  // namespace sst::analysis::plot
