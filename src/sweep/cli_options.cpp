// sst-sweep's option tables (cli_options.h): every option of a command once, with its help and the values
// it accepts.
#include "sweep/cli_options.h"

namespace sst::sweep {

// Boost finds the enum parser by argument-dependent lookup, in this namespace;
// clang-tidy does not follow that lookup and calls it unused.
using sst::validate;  // NOLINT(misc-unused-using-decls)

void add_expand_options(OptionTable& t, ExpandArgs& a) {
  t.add("sweep-dir", a.sweep_dir,
        "the sweep directory (default runs/sweeps/NAME); without --index, writes DIR/sweep_manifest.json", {},
        Resume::kMayChange, "DIR");
  t.add("data", a.data,
        "HDF5 file for every run (overrides [sweep] data; default: what the sweep dir's manifest was made with)", {},
        Resume::kMayChange, "FILE");
  t.add_optional("index", a.index, "I", "print only point I (0-based): its arguments one per line, or --field",
                 at_least(0));
  t.add("field", a.field,
        "with --index (or alone, for every point): what to print (parent: the run a cooldown branch starts from; "
        "empty otherwise)",
        {}, Resume::kMayChange, enum_choices<PointField>("|"));
  t.add_flag("count", a.count, "print the number of points only");
  t.add_flag("print-dir", a.print_dir, "print the sweep directory (absolute; --sweep-dir or the default) and exit");
  t.add_flag("print-mode", a.print_mode,
             "print how the file is run and exit: grid (every point), or waves (it has a [design]: `sst-sweep wave` "
             "plans its points, and expand --sweep-dir reads them from the manifest)");
  t.add_flag("force", a.force, "rewrite a manifest made from a different sweep file content");
}

void add_status_options(OptionTable& t, StatusArgs& a) {
  t.add("parallel", a.parallel, "runs executed at once, for the ETA (0: the number running)", at_least(0),
        Resume::kMayChange, "K");
  t.add_optional("index", a.index, "I", "print only point I's status word", at_least(0));
  t.add_flag("action", a.action,
             "with --index: what a launcher does with the point: skip (finished), busy (a live launcher runs it), "
             "wait (a cooldown branch whose parent run has not finished) or run");
  t.add_flag("unfinished", a.unfinished,
             "print the indices of points neither finished nor running, comma-separated (for sbatch --array)");
  t.add("stage", a.stage,
        "with --unfinished: all | main (points that branch from nothing) | branches (cooldown branches, which need "
        "their parent finished) | ready (can start now: main runs, and branches whose parent has finished) | "
        "waiting (branches whose parent has not finished)",
        {}, Resume::kMayChange, enum_choices<Stage>("|"));
  t.add_flag("verbose,v", a.verbose, "one line per point");
}

}  // namespace sst::sweep
