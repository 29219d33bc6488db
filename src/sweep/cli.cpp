// sst-sweep's command line (cli.h): expands a sweep file into sst-train runs, and aggregates / reports a sweep
// directory; commands of libraries above src/ (analysis/design: simulate) are passed in by the main.
//   sst-sweep expand SWEEP.ini [--sweep-dir DIR] [--data FILE] [--index I [--field F]] [--count] [--force]
//     (a file with [design]: in its sweep dir, the points `wave` planned, read from the manifest)
//   sst-sweep aggregate SWEEP_DIR [--output FILE] [--finished-only]
//   sst-sweep status SWEEP_DIR [--parallel K] [--index I] [--unfinished]
// Exit status: 0 success, 1 bad input (one line "sst-sweep: error: ..."), 2 usage error.
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/options.h"
#include "sweep/cli.h"
#include "sweep/cli_options.h"
#include "sweep/sweep.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;
namespace rundir = sst::rundir;

namespace sst::sweep {
namespace {

const char* const kTopHelp =
    "sst-sweep: scaling-law sweeps of sst-train (a grid of model sizes x data fractions x seeds).\n"
    "Usage: sst-sweep COMMAND [options]     (sst-sweep COMMAND --help for its options)\n\n"
    "Commands:\n"
    "  expand SWEEP.ini     list the grid points (index, run name, sst-train arguments); with --sweep-dir\n"
    "                       also write SWEEP_DIR/sweep_manifest.json; --index I prints one point's arguments\n"
    "                       one per line (Slurm array tasks); --count prints the number of points\n"
    "  aggregate SWEEP_DIR  every run's summary.json -> SWEEP_DIR/sweep.csv (one row per point)\n"
    "  status SWEEP_DIR     done / running / left counts and an ETA from finished runs' wall_s\n";
const char* const kTopHelpEnd =
    "\nExit status: 0 success, 1 bad input, 2 usage error. The sweep file format: docs/sweeps.md.\n";

void print_point_field(const json& p, PointField field) {
  const std::string key = enum_name(field);
  switch (field) {
    case PointField::kArgs:
      for (const auto& a : p.at("args")) std::cout << a.get<std::string>() << "\n";
      return;
    case PointField::kRun:
    case PointField::kModel:
    case PointField::kRunDir:
      std::cout << p.at(key).get<std::string>() << "\n";
      return;
    case PointField::kRanks:
    case PointField::kSeed:
    case PointField::kIndex:
      std::cout << p.at(key).dump() << "\n";
      return;
    case PointField::kDataFraction:
      std::cout << format_number(p.at(key).get<double>()) << "\n";
      return;
    case PointField::kBudget:
      std::cout << (p.contains("budget") ? format_number(p.at(key).get<double>()) : "") << "\n";
      return;
    case PointField::kParent:
      std::cout << p.value("parent", "") << "\n";
      return;
  }
}

// expand prints one name, path or argument per line, read by launch/sweep.sh and slurm/*.sh (mapfile,
// $(...)): a newline (or any control character) inside one would split it into two arguments or cut
// it. Such names and paths are refused, never printed.
void refuse_control_characters(const std::string& what, const std::string& value) {
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != 0x7F) continue;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", c);
    throw sst::UserError(what + " '" + value + "' contains a control character (byte " + byte + " at offset " +
                         std::to_string(i) + "); names and paths given to a sweep must not hold any");
  }
}

void refuse_control_characters(const json& manifest, const std::vector<Point>& points) {
  refuse_control_characters("the sweep directory", manifest["sweep_dir"].get<std::string>());
  for (const auto& p : points) {
    refuse_control_characters("point " + std::to_string(p.index) + "'s run name", p.run);
    refuse_control_characters("point " + std::to_string(p.index) + "'s run directory", p.run_dir);
    for (const auto& a : p.args) refuse_control_characters("point " + std::to_string(p.index) + "'s argument", a);
  }
}

// A sweep file with [design] is planned in waves (`sst-sweep wave`, analysis/design): in its sweep dir, expand reads
// the points the planner wrote to the manifest and never rewrites it, so launchers run a wave as they run a grid.
int expand_waves(const ExpandArgs& a, const SweepSpec& spec, const std::string& dir) {
  if (!fs::exists(dir + "/" + kManifestName))
    throw sst::UserError("sweep file " + spec.file +
                         " has a [design]: its points are planned in waves; run `sst-sweep wave " + spec.file +
                         " --sweep-dir " + dir + "` first (launch/sweep.sh and slurm/submit_adaptive.sh do)");
  const json m = read_manifest(dir);
  if (!m.contains("design"))
    throw sst::UserError(dir + " holds a grid sweep, but sweep file " + spec.file +
                         " has a [design] (planned in waves); use another --sweep-dir");
  if (m.value("sweep_hash", "") != spec.hash)
    throw sst::UserError("sweep file " + spec.file + " changed since " + dir + "/" + kManifestName +
                         " was written; restore it, or continue with sst-sweep wave --force");
  const json& points = m["points"];
  refuse_control_characters("the sweep directory", m.value("sweep_dir", ""));
  for (const auto& p : points) {
    const std::string what = "point " + p.at("index").dump() + "'s ";
    refuse_control_characters(what + "run name", p.at("run").get<std::string>());
    for (const auto& a : p.at("args")) refuse_control_characters(what + "argument", a.get<std::string>());
  }
  if (a.index) {
    const long long i = *a.index;
    if (i >= static_cast<long long>(points.size()))
      throw sst::UserError("--index " + std::to_string(i) + " is outside the waves planned so far (" +
                           std::to_string(points.size()) + " points)");
    print_point_field(points.at(static_cast<size_t>(i)), a.field);
  } else if (a.count) {
    std::cout << points.size() << "\n";
  } else if (a.field_given) {
    for (const auto& p : points) print_point_field(p, a.field);
  } else {
    for (const auto& p : points) {
      std::cout << p.at("index").dump() << "\t" << p.at("run").get<std::string>() << "\t";
      std::string sep;
      for (const auto& a : p.at("args")) std::cout << std::exchange(sep, " ") << shell_quote(a.get<std::string>());
      std::cout << "\n";
    }
  }
  return 0;
}

int cmd_expand(int argc, char** argv) {
  ExpandArgs a;
  OptionTable t("Options", "--");
  add_expand_options(t, a);
  auto vm = parse_command(
      argc, argv, t.description(), "sweep-file",
      "Usage: sst-sweep expand SWEEP.ini [--sweep-dir DIR] [--data FILE] [--index I [--field F]] [--count]\n"
      "Lists the grid (models x fractions [x budgets] x seeds, seeds fastest): INDEX RUN SST_TRAIN_ARGS...");
  a.field_given = !vm["field"].defaulted();
  SweepSpec spec = parse_sweep_file(positional(vm, "sweep-file"), a.data);
  const bool have_dir = !a.sweep_dir.empty();
  const std::string dir = have_dir ? a.sweep_dir : default_sweep_dir(spec);
  if (a.print_mode) {
    std::cout << (spec.design ? "waves" : "grid") << "\n";
    return 0;
  }
  if (spec.design && have_dir && !a.print_dir) return expand_waves(a, spec, dir);
  // Without --data, a sweep dir keeps the data it was expanded with.
  // With --force, a manifest that cannot be read (truncated by a full disk or a killed writer) is
  // rewritten, as documented, instead of blocking the sweep: it keeps nothing worth reading.
  const bool force = a.force;
  if (have_dir && a.data.empty() && fs::exists(dir + "/" + kManifestName)) {
    try {
      const json m = read_manifest(dir);
      if (m.value("sweep_hash", "") == spec.hash && !m.value("data", "").empty())
        spec = parse_sweep_file(positional(vm, "sweep-file"), m.value("data", ""));
    } catch (const sst::UserError& e) {
      if (!force) throw;
      std::cerr << "sst-sweep: warning: " << e.what() << "; rewriting it (--force)\n";
    }
  }
  const auto points = expand(spec, dir);
  json manifest = manifest_json(spec, dir, points);
  refuse_control_characters(manifest, points);
  if (a.print_dir) {
    std::cout << manifest["sweep_dir"].get<std::string>() << "\n";
    return 0;
  }

  if (a.index) {
    const long long i = *a.index;
    if (i >= static_cast<long long>(points.size()))
      throw sst::UserError("--index " + std::to_string(i) + " is outside the grid (0.." +
                           std::to_string(points.size() - 1) + ")");
    // A sweep dir with a manifest is authoritative (an array task runs what was submitted), as long as the
    // sweep file has not changed since.
    if (have_dir && fs::exists(dir + "/" + kManifestName)) {
      const json m = read_manifest(dir);
      if (m.value("sweep_hash", "") != spec.hash)
        throw sst::UserError("sweep file " + spec.file + " changed since " + dir + "/" + kManifestName +
                             " was written; re-run expand with --force, or restore the file");
    }
    print_point_field(manifest["points"].at(static_cast<size_t>(i)), a.field);
    return 0;
  }
  if (have_dir) write_manifest(spec, dir, points, force);
  if (a.count) {
    std::cout << points.size() << "\n";
    return 0;
  }
  if (a.field_given) {
    for (const auto& p : manifest["points"]) print_point_field(p, a.field);
    return 0;
  }
  for (const auto& p : points) {
    std::cout << p.index << "\t" << p.run << "\t";
    for (size_t a = 0; a < p.args.size(); ++a) std::cout << (a ? " " : "") << shell_quote(p.args[a]);
    std::cout << "\n";
  }
  return 0;
}

int cmd_aggregate(int argc, char** argv) {
  std::string output;
  bool finished_only = false;
  OptionTable o("Options", "--");
  o.add("output", output, "write here instead of SWEEP_DIR/sweep.csv", {}, Resume::kMayChange, "FILE");
  o.add_flag("finished-only", finished_only, "only rows with status completed or early_stopped (for sst-analyze fit)");
  auto vm = parse_command(
      argc, argv, o.description(), "sweep-dir",
      "Usage: sst-sweep aggregate SWEEP_DIR [--output FILE] [--finished-only]\n"
      "Writes one CSV row per grid point (atomically); the columns are in docs/sweeps.md:\n" +
          [] {
            std::string list;
            for (const auto& c : csv_columns()) list += (list.empty() ? "" : ", ") + c;
            return list;
          }() +
          ".\nstatus: " + rundir::all_statuses() +
          "\n"
          "(unfinished rows have empty numbers).");
  const std::string dir = positional(vm, "sweep-dir");
  const std::string path = aggregate(dir, output, finished_only);
  const auto states = run_states(dir, read_manifest(dir));
  std::cout << "sst-sweep: wrote " << path << ": " << progress_line(progress(states, 0)) << "\n";
  return 0;
}

int cmd_status(int argc, char** argv) {
  StatusArgs a;
  OptionTable t("Options", "--");
  add_status_options(t, a);
  auto vm = parse_command(argc, argv, t.description(), "sweep-dir",
                          "Usage: sst-sweep status SWEEP_DIR [--parallel K] [--index I] [--unfinished] [-v]\n"
                          "Prints: DONE/TOTAL done, R running, L left, ETA H:MM:SS");
  const std::string dir = positional(vm, "sweep-dir");
  const json manifest = read_manifest(dir);
  const auto states = run_states(dir, manifest);
  if (a.index) {
    const long long i = *a.index;
    if (i >= static_cast<long long>(states.size()))
      throw sst::UserError("--index " + std::to_string(i) + " is outside the grid");
    const RunState& st = states[static_cast<size_t>(i)];
    if (a.action)
      std::cout << launcher_action(states, static_cast<size_t>(i)) << "\n";
    else
      std::cout << rundir::to_string(st.status) << "\n";
    return 0;
  }
  if (a.unfinished) {
    std::string list;
    for (const auto& s : states) {
      if (a.stage == Stage::kMain && !s.parent.empty()) continue;
      if (a.stage == Stage::kBranches && s.parent.empty()) continue;
      const bool waiting = launcher_action(states, static_cast<size_t>(&s - states.data())) == "wait";
      if ((a.stage == Stage::kReady && waiting) || (a.stage == Stage::kWaiting && !waiting)) continue;
      if (!s.finished() && s.status != rundir::RunStatus::kRunning)
        list += (list.empty() ? "" : ",") + std::to_string(s.index);
    }
    std::cout << list << "\n";
    return 0;
  }
  if (a.verbose)
    for (const auto& s : states) std::cout << s.index << "\t" << s.run << "\t" << rundir::to_string(s.status) << "\n";
  std::cout << progress_line(progress(states, a.parallel)) << "\n";
  return 0;
}

}  // namespace

po::variables_map parse_command(int argc, char** argv, const po::options_description& opts,
                                const std::string& positional_name, const std::string& usage) {
  po::options_description all(opts);
  all.add_options()("help,h", "print this help and exit");
  all.add_options()(positional_name.c_str(), po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add(positional_name.c_str(), -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    if (vm.count("help")) {  // before notify: --help needs no required option
      std::cout << usage << "\n" << opts << "  -h [ --help ]           print this help and exit\n";
      std::exit(0);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  } catch (const UserError& e) {  // a value an option table (common/options.h) refuses
    throw UsageError(e.what());
  }
  const auto n = vm.count(positional_name) ? vm[positional_name].as<std::vector<std::string>>().size() : 0;
  if (n != 1) throw UsageError("expected exactly one " + positional_name + " (see --help)");
  return vm;
}

std::string positional(const po::variables_map& vm, const std::string& name) {
  return vm[name].as<std::vector<std::string>>().front();
}

int cli_main(int argc, char** argv, const std::vector<ExtraCommand>& extra) {
  std::string help = kTopHelp;
  for (const auto& e : extra) help += e.help;
  help += kTopHelpEnd;
  if (argc < 2) {
    std::cerr << help;
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << help;
      return 0;
    }
    if (cmd == "expand") return cmd_expand(argc - 1, argv + 1);
    if (cmd == "aggregate") return cmd_aggregate(argc - 1, argv + 1);
    if (cmd == "status") return cmd_status(argc - 1, argv + 1);
    std::string names = "expand, aggregate, status";
    for (const auto& e : extra) {
      if (cmd == e.name) return e.run(argc - 1, argv + 1);
      names += ", " + e.name;
    }
    throw UsageError("unknown command '" + cmd + "' (" + names + "; see --help)");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "sst-sweep: usage error: %s\n", sst::printable_message(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sst-sweep: error: %s\n", sst::printable_message(e.what()).c_str());
    return 1;
  }
}

}  // namespace sst::sweep
