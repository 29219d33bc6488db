// Option parsing shared by the sst-analyze subcommands: positional arguments, --help, and usage
// errors printed as one line naming the subcommand (exit 2).
//
// cli/ is the layer every subcommand shares (this parser and cells.h); main.cpp, one level up, is the
// dispatcher. Each job's code lives in its own folder next to it (fit/, runs/, eval/, ...).
#pragma once
#include <boost/program_options.hpp>

#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/options.h"

namespace sst::analysis::cli {

namespace po = boost::program_options;

// Trailing arguments without an option name (run directories, sentences, ...).
struct Positional {
  std::string name;                  // shown in errors, e.g. "run"
  std::vector<std::string>* values;  // where they are stored
  int max_count = -1;                // -1: any number
};

// The options several subcommands share, each declared once.
inline void add_checkpoint_option(OptionTable& t, std::string& checkpoint) {
  t.add_required("checkpoint", checkpoint, "PATH", "sst-train checkpoint (e.g. RUN/checkpoints/best.pt)");
}
inline void add_output_option(OptionTable& t, std::string& output) {
  t.add("output", output, "output directory", {}, Resume::kMayChange, "DIR");
}
inline void add_threads_option(OptionTable& t, int& threads) {
  t.add("threads", threads, "LibTorch threads (0: default)", at_least(0), Resume::kMayChange, "T");
}

// Stores argv into the options of `table` (and `positional`), then runs `check`, which throws
// po::error for a bad combination or value; a value an option table refuses is a usage error too. --help prints
// `usage` (the text above the options, ending in their heading), --help itself and the table. Returns the exit code
// when the subcommand should stop (0 after --help, 2 after a usage error), std::nullopt to go on.
inline std::optional<int> parse_subcommand_options(const std::string& cmd, int argc, char** argv,
                                                   const std::string& usage, const OptionTable& table,
                                                   const std::optional<Positional>& positional,
                                                   const std::function<void(const po::variables_map&)>& check) {
  try {
    po::options_description visible(usage);
    visible.add_options()("help,h", "print this help and exit");
    visible.add(table.description());
    po::options_description all;
    all.add(visible);
    po::options_description hidden;
    po::positional_options_description pos;
    if (positional) {
      hidden.add_options()(positional->name.c_str(), po::value(positional->values)->multitoken()->composing(), "");
      all.add(hidden);
      pos.add(positional->name.c_str(), positional->max_count);
    }
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << visible << "\n";
      return 0;
    }
    try {
      po::notify(vm);  // an option table (common/options.h) refuses a value out of range here
    } catch (const UserError& e) {
      throw po::error(e.what());
    }
    if (check) check(vm);
  } catch (const po::error& e) {
    std::cerr << "sst-analyze " << cmd << ": error: " << e.what() << " (see sst-analyze " << cmd << " --help)\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace sst::analysis::cli
