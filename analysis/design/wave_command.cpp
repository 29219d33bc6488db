// `sst-sweep wave SWEEP.ini [--sweep-dir DIR] [--data F] [--force]`: one step of an adaptive design run for real
// (wave.h). Reads the finished runs of DIR, plans the next wave with the same planner as `simulate`, rewrites
// DIR/design.jsonl (earlier waves' decisions, then this wave's) and DIR/sweep_manifest.json (the new points
// appended), and exits 0: a wave to run. When the planner stops it records why and exits 3 (kDesignEnded). While
// the last wave has unfinished points it changes nothing and exits 0 (run them first). Planning depends on the
// finished results only, so running it again after any interruption writes the same wave.
#include "analysis/design/wave_command.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>

#include "analysis/design/ladder.h"
#include "analysis/design/wave.h"
#include "common/error.h"
#include "common/files.h"
#include "common/options.h"
#include "common/text.h"
#include "sweep/cli.h"
#include "sweep/sweep.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace sst::analysis::design {
namespace {

const char* const kWaveUsage =
    "Usage: sst-sweep wave SWEEP.ini [--sweep-dir DIR] [--data FILE] [--force]\n"
    "Plans the next wave of the sweep file's adaptive design ([design]) from the finished runs in DIR (default\n"
    "runs/sweeps/NAME), appends its decisions to DIR/design.jsonl and its points to DIR/sweep_manifest.json.\n"
    "Exit status: 0 a wave to run (new, or the last one still unfinished), 3 the design ended (the rule that\n"
    "ended it is printed and kept in the manifest's \"design\"), 1 bad input, 2 usage error.\n";

// The manifest of DIR when it has one: an adaptive design's, from this sweep file (or --force).
json existing_manifest(const sweep::SweepSpec& spec, const std::string& dir, bool force) {
  if (!fs::exists(dir + "/" + sweep::kManifestName)) return json();
  json old = sweep::read_manifest(dir);
  if (!old.contains("design"))
    throw UserError(dir + " holds a grid sweep (written by expand), not an adaptive design; use another --sweep-dir");
  if (old.value("sweep_hash", "") != spec.hash && !force)
    throw UserError("sweep file " + spec.file + " changed since " + dir + "/" + sweep::kManifestName +
                    " was written; restore it, or --force to continue the design from its finished runs under the "
                    "new file");
  return old;
}

void print_end(const Wave& w, const Verdict& v, size_t runs) {
  std::printf("wave: the design ended after %d wave(s), %zu runs, %.4g FLOPs: %s\n", w.wave, runs, w.flops_spent,
              w.stop_reason.c_str());
  for (const auto& b : w.budgets)
    std::printf("  C = %-8.3g %s (minimum %s, %zu sizes)\n", b.budget, b.bracketed ? "bracketed  " : "unbracketed",
                b.minimum.empty() ? "-" : b.minimum.c_str(), b.sizes);
  if (v.identified)
    std::printf("a = %.4f, 90%% interval [%.4f, %.4f]\n", v.a, v.a_low, v.a_high);
  else
    std::printf("a %s\n", v.reason.c_str());
}

}  // namespace

int wave_command(int argc, char** argv) {
  std::string sweep_dir, data;
  bool force = false;
  OptionTable opts("wave options", "--");
  opts.add("sweep-dir", sweep_dir, "the sweep directory (default runs/sweeps/NAME)", {}, Resume::kMayChange, "DIR");
  opts.add("data", data, "HDF5 file for every run (default: the manifest's)", {}, Resume::kMayChange, "FILE");
  opts.add_flag("force", force, "continue a design whose sweep file changed (its finished runs are kept as results)");
  const po::variables_map vm = sweep::parse_command(argc, argv, opts.description(), "sweep-file", kWaveUsage);
  const std::string file = sweep::positional(vm, "sweep-file");
  sweep::SweepSpec spec = sweep::parse_sweep_file(file, data);
  const std::string dir = !sweep_dir.empty() ? sweep_dir : sweep::default_sweep_dir(spec);
  for (const char c : fs::absolute(dir).string())  // the launchers read the points' paths one per line
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      throw UserError("the sweep directory '" + dir +
                      "' contains a control character; paths given to a sweep must not hold any");
  json old = existing_manifest(spec, dir, force);
  if (!old.is_null() && data.empty() && !old.value("data", "").empty())
    spec = sweep::parse_sweep_file(file, old["data"]);
  if (!old.is_null() && !force && old.value("data", "") != spec.data)
    throw UserError(dir + " was planned with data '" + old.value("data", "") + "', now '" + spec.data +
                    "'; use another --sweep-dir, or --force");
  const PlannerInput in = planner_input(spec);
  const std::string manifest_path = dir + "/" + sweep::kManifestName, log_path = dir + "/design.jsonl";
  ensure_writable_dir(dir);
  refuse_output_over_input(manifest_path, {spec.file, spec.base_config, spec.data}, "the manifest " + manifest_path);
  refuse_output_over_input(log_path, {spec.file, spec.base_config, spec.data}, "design.jsonl");

  size_t unfinished = 0;
  if (!old.is_null())
    for (const auto& s : sweep::run_states(dir, old)) unfinished += !s.finished();
  if (unfinished > 0) {
    if (old.value("sweep_hash", "") != spec.hash) {  // --force: the array tasks run under the new file
      old["sweep_file"] = spec.file;
      old["sweep_hash"] = spec.hash;
      write_text_atomically(manifest_path, old.dump(2) + "\n");
    }
    std::printf("wave: wave %d has %zu of %zu point(s) unfinished; run them first (nothing planned)\n",
                old["design"].value("waves", 1) - 1, unfinished, old["points"].size());
    return 0;
  }
  const auto results = old.is_null() ? std::vector<Result>{} : manifest_results(dir, old);
  const Wave w = plan_next(in, results);
  const json existing = old.is_null() ? json::array() : old["points"];
  const auto points = w.stop ? std::vector<sweep::Point>{} : wave_points(spec, dir, existing, w);
  json manifest = next_manifest(spec, dir, old, points, w);
  Verdict v;
  if (w.stop) manifest["design"]["allocation"] = to_json(v = allocation_verdict(in, results));
  const std::string old_log = fs::exists(log_path) ? text::read_file(log_path, "design log") : "";
  write_text_atomically(log_path, next_design_log(old_log, log_path, w));
  write_text_atomically(manifest_path, manifest.dump(2) + "\n");
  if (w.stop) {
    print_end(w, v, results.size());
    return kDesignEnded;
  }
  std::printf("wave: wave %d: %zu point(s), %.4g FLOPs (spent so far %.4g, cap %.4g); %zu decision(s) in %s\n", w.wave,
              points.size(), w.wave_flops, w.flops_spent, in.design.cap_flops, w.decisions.size(), log_path.c_str());
  for (const auto& p : points)
    std::printf("  %zu\t%s%s\n", p.index, p.run.c_str(), p.parent.empty() ? "" : ("\tbranch of " + p.parent).c_str());
  return 0;
}

}  // namespace sst::analysis::design
