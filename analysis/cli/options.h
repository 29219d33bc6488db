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

namespace sst::analysis::cli {

namespace po = boost::program_options;

// Trailing arguments without an option name (run directories, sentences, ...).
struct Positional {
  std::string name;                  // shown in errors, e.g. "run"
  std::vector<std::string>* values;  // where they are stored
  int max_count = -1;                // -1: any number
};

// Stores argv into the options of `visible` (and `positional`), then runs `check`, which throws
// po::error for a bad combination or value; a value an option table refuses is a usage error too. Returns the exit code
// when the subcommand should stop (0 after --help, 2 after a usage error), std::nullopt to go on.
inline std::optional<int> parse_subcommand_options(const std::string& cmd, int argc, char** argv,
                                                   const po::options_description& visible,
                                                   const std::optional<Positional>& positional,
                                                   const std::function<void(const po::variables_map&)>& check) {
  try {
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
